import Mustache

/// `GET /admin/ops`: every operator op with its class, state and signer; pending ones show how
/// to sign them.
enum GatePages {
    static let ops: MustacheTemplate = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Operator ops · Provisioner</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
            table{border-collapse:collapse;width:100%;font-size:.9rem}
            th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
            th{background:#f4f4f4}
            code{font-size:.85rem;word-break:break-all}
            </style></head>
            <body>
            <h1>Operator ops</h1>
            <p>Destructive ops wait for a signature: <code>provisioner ops sign OP_ID --key ~/.ssh/id_ed25519</code>.</p>
            <table>
            <thead><tr><th>Op id</th><th>Op</th><th>Target</th><th>Class</th><th>State</th><th>Requested by</th><th>Signer</th><th>Outcome</th><th>Created</th><th>Expires</th></tr></thead>
            <tbody>
            {{#ops}}
            <tr><td><code>{{op_id}}</code></td><td><code>{{op}}</code></td><td><code>{{target}}</code></td><td>{{class}}</td><td>{{state}}</td><td>{{requested_by}}</td><td>{{signer}}</td><td>{{outcome}}</td><td>{{created_at}}</td><td>{{expires_at}}</td></tr>
            {{/ops}}
            {{^ops}}<tr><td colspan="10">No operator ops yet.</td></tr>{{/ops}}
            </tbody></table>
            </body></html>
            """)
}
