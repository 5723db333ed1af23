import Mustache

extension AdminPages {
    /// `/admin/pool`: every pool VM with its state, counts per state, and how to return a
    /// quarantined VM. Values are HTML-escaped by `{{ }}`.
    static let pool: MustacheTemplate = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Pool · Provisioner</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
            table{border-collapse:collapse;width:100%;font-size:.9rem}
            th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
            th{background:#f4f4f4}
            .quarantined,.orphaned_from_pool{color:#a00;font-weight:600}
            .cleaning{color:#a60}
            </style></head>
            <body>
            <h1>Pool</h1>
            <p>Generation {{generation}}, {{size}} VMs.
            {{#counts}}<span class="{{state}}">{{state}}: {{count}}</span> · {{/counts}}</p>
            <p>A quarantined VM's release hook failed for good. Reset it by hand, then return it:
            <code>curl -X POST -H "Authorization: Bearer $PROVISIONER_ADMIN_SECRET" /admin/pool/VM_ID/return</code></p>
            <table>
            <thead><tr><th>VM</th><th>State</th><th>Name</th><th>Address</th><th>Allocation</th><th>Note</th></tr></thead>
            <tbody>
            {{#vms}}
            <tr><td><code>{{vm_id}}</code></td><td class="{{state}}">{{state}}</td><td>{{name}}</td><td>{{address}}</td><td><code>{{allocation_id}}</code></td><td>{{note}}{{#returnable}} (returnable){{/returnable}}</td></tr>
            {{/vms}}
            {{^vms}}<tr><td colspan="6">The pool is empty.</td></tr>{{/vms}}
            </tbody></table>
            </body></html>
            """)
}
