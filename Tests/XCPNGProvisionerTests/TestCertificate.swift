/// A self-signed test certificate for `localhost` / `127.0.0.1` (valid 100 years), with its key.
/// Generated with `openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=localhost
/// -addext subjectAltName=IP:127.0.0.1,DNS:localhost`. Test material only.
enum TestCertificate {
    static let sha256 =
        "A4:15:60:80:5F:35:A2:7D:CF:CB:51:29:0D:39:CC:EF:73:93:17:DE:72:60:91:F0:76:10:C8:F5:61:BD:EE:68"

    static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIDJzCCAg+gAwIBAgIUevqsAQ2rJCmdyYEKQtcCNRc869IwDQYJKoZIhvcNAQEL
        BQAwFDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNDE4MjEzNFoYDzIxMjYx
        MDMxMTgyMTM0WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwggEiMA0GCSqGSIb3DQEB
        AQUAA4IBDwAwggEKAoIBAQCeKx66V3/VMPLqcpXiAqqU8xPtHUP4BqFI4qJb9+WY
        2X4hBoqWL5GZSd+v1CcmJSRzlwhDXca9cpJFqmRFCSguRnFEbsVIKsiCwhTKCZ9g
        2NWWohbfQuIK8DC/GpivnzOmiYpv/hWQeszRqKzTpDQ73/nUPZ+yPCHAdVZIhu2+
        r6CvxjdvgWDZriRV33WqTk5VK+67vTz/c37ujD+HYecCem3+4sp3vAA99xjjPQ9d
        A/qoODUosHI5joV1IWi14yvrmp6tCCAyMn193ciMyFYkL4Oa2m1RaIqpYGxKX4nm
        mWszO37l1enTjkXr17i422nY+zXIcEyk5PFPxJJ3+sNxAgMBAAGjbzBtMB0GA1Ud
        DgQWBBTcF1LvrA2sw+jh1EB65EY/2YNo/zAfBgNVHSMEGDAWgBTcF1LvrA2sw+jh
        1EB65EY/2YNo/zAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGHBH8AAAGCCWxv
        Y2FsaG9zdDANBgkqhkiG9w0BAQsFAAOCAQEAYQvMvg7ESZYGXMVDuDepfc8LRf1i
        yy67B5I9bvJ+5yRQfHSEYRSGOsapyahqNnrRN0KGNxQ6NnXN8TtTJ30d0g4wt3+P
        SFxuKaRGQa08zn0+xucCVyKB9VytE+EhY0wst3MqirksfjpRoBfGAl5uCAZ21vCD
        pacfqTTktQv+/gdny4lI4DWIXrv4fSM8qM0/bk0lkxK5MFAPlXKcCcHfB+oN5h57
        rHtCX7s6q9fj+EYtdOE91Mm71rPtpm+q4VsMIN+1rmI/TMymjz+v/oHNnCWPMEwg
        eeoBphPSJ49eYI8a2LEAaD51Ts3L9EgwJjGAUA8hVZ6KklDDXi9vVnL2UA==
        -----END CERTIFICATE-----
        """

    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCeKx66V3/VMPLq
        cpXiAqqU8xPtHUP4BqFI4qJb9+WY2X4hBoqWL5GZSd+v1CcmJSRzlwhDXca9cpJF
        qmRFCSguRnFEbsVIKsiCwhTKCZ9g2NWWohbfQuIK8DC/GpivnzOmiYpv/hWQeszR
        qKzTpDQ73/nUPZ+yPCHAdVZIhu2+r6CvxjdvgWDZriRV33WqTk5VK+67vTz/c37u
        jD+HYecCem3+4sp3vAA99xjjPQ9dA/qoODUosHI5joV1IWi14yvrmp6tCCAyMn19
        3ciMyFYkL4Oa2m1RaIqpYGxKX4nmmWszO37l1enTjkXr17i422nY+zXIcEyk5PFP
        xJJ3+sNxAgMBAAECggEAJg9GM5y+e/RtX5D3FA2EMpdTYik6o8IkqT8vxmWeb+tV
        +Gh0jLMhm/s0wkCQsxMY9F+Rc3RrUEbzf6QCwMH1Uz1MICVvf3AcE6rUCdHK8ij7
        LGYQjuSvM+acNEAYIZpzeU17bHt9gOirxH+MJtlKYGYC3dl+RgtGK+OQQZ+GMe38
        AUiDQclEi1lcTUFAjj9UP9lHkr+aX+e/y7Hb/1FxGGUfSrTQQ4O95Q/IZQR2Fsef
        OnHKESN41GM4CBxVShVIT8kPR/gTEzGUWxprU0sU4uaNWNSkXEJXLCBNJAAQz7UR
        +bz9GWnr+2OVXpnKR4fquBTN909NWibrWhu1XhvwYQKBgQDVQqGLRjzqpL+bG3GK
        Nqjk3PooAKovdF+cmsbPr47T9MSeDp6WFrOFcbkO+QUf7sKx206P1EfKc+NuzI7n
        IZI+ORcEKb8pDPj0zb/LuA9KHuyAh+t42gf11eyNUppG3FsdyXWOFPYcUQrB/JNv
        lW+Fx5Uiegl4qXlYEk3BbRpG3QKBgQC93f03eJM4ej/vjaYXGFoEJ31mkFySX2Ae
        60yJLjHveQJXZHaLcw1TqZK4ggTY4O6fvsXslD7vp9zzWHiTM7foEDDUH+HmLVz+
        sYAo9TclDXwmPtQePID1u0YB5arBgGRC2S7sp1UuAxbFpO5+jp+S5rZ2U+7SArA9
        w8L98miDpQKBgBsUhPLsjlu1Y+dMStSkMDovnUxrGTFBc8qtFMXWoypjEHyJmrWw
        WEd/s2IlWPM/HFX9ZTJ6YEti/+RX8WWEK8/e6/9JVc7eqNZdMheqXbapyppfqBUG
        irA64/jmHlUVMjTMGjNakg3ydI1Bh29J6IlyWIuyN3Ws/42hdWI0enu5AoGAYfZl
        rfdCToOU9W6qYYQo/be6Ve7qNIONPqa9CJKTJTHUaW7mUzD7kU0O7K/4/EWiGT3/
        NP+QMWr074GYRKsMmmmwJ+KDVZXWQ3sl2vwahb2dbsY//5HMH/2OM3BiWBB8qpkQ
        Qv5bTrA9UaC1hQrlfpAXWJoZwLWuZU/aDdjC4BkCgYBXVY0Mr24gMm4ODEjPKhle
        zF8qZPuWOsGKYK6tBMUbhTNUi2zngQGmhal7zwl7CSP5s6N5JSEXsm6TM633sEAr
        ngIy4Ie7zQkLL0YIY+3IUSr3zt+oh6lhA4We1VXopTuaP0Ftha06C+OrQROPDkOQ
        YuVWNRNpTO0/iLyGF31rHA==
        -----END PRIVATE KEY-----
        """
}
