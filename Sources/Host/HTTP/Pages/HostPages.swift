import Mustache

extension AdminPages {
    /// `/admin/hosts`: every host with its health, blocked flag and last report's figures. Values
    /// are HTML-escaped by `{{ }}`.
    static let hosts: MustacheTemplate = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Hosts · Provisioner</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
            table{border-collapse:collapse;width:100%;font-size:.9rem}
            th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
            th{background:#f4f4f4}
            code{font-size:.85rem}
            .stale{color:#a60;font-weight:600}
            .down,.blocked{color:#a00;font-weight:600}
            .ok{color:#060}
            </style></head>
            <body>
            <h1>Hosts</h1>
            <p>{{#counts}}<span class="{{health}}">{{health}}: {{count}}</span> · {{/counts}}</p>
            <p>A host is <code>stale</code> after {{stale_after_s}} s without a report and <code>down</code> after
            {{down_after_s}} s; pool VMs on stale, down or blocked hosts are not handed out.</p>
            <table>
            <thead><tr><th>Host</th><th>Label</th><th>Owner</th><th>Health</th><th>Last report</th><th>Agent</th><th>Hostname</th><th>Guests running/total</th><th>CPU</th><th>Memory</th><th>Disk</th><th>cloudflared</th></tr></thead>
            <tbody>
            {{#hosts}}
            <tr><td><code>{{host_id}}</code></td><td>{{label}}</td><td>{{owner}}</td><td class="{{health}}">{{health}}{{#blocked}} <span class="blocked">blocked</span>{{/blocked}}</td><td>{{last_report_at}}</td><td>{{agent_version}}</td><td>{{hostname}}</td><td>{{guests}}</td><td>{{cpu}}</td><td>{{mem}}</td><td>{{disk}}</td><td>{{cloudflared}}</td></tr>
            {{/hosts}}
            {{^hosts}}<tr><td colspan="12">No hosts yet: mint one with POST /admin/hosts.</td></tr>{{/hosts}}
            </tbody></table>
            </body></html>
            """)
}
