import Mustache

/// The server-rendered admin pages. Mustache's `{{ }}` HTML-escapes every value, so text that
/// came from users or backends cannot inject markup.
enum AdminPages {
    static let audit: MustacheTemplate = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Audit log · Provisioner</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
            table{border-collapse:collapse;width:100%;font-size:.9rem}
            th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
            th{background:#f4f4f4}
            code{font-size:.85rem}
            form{margin-bottom:1rem}
            </style></head>
            <body>
            <h1>Audit log</h1>
            <form method="get" action="/admin/audit">
              <label>VM <input name="vm_id" value="{{filter.vm_id}}"></label>
              <label>User <input name="user_id" value="{{filter.user_id}}"></label>
              <label>Kind <input name="kind" value="{{filter.kind}}"></label>
              <button type="submit">Filter</button>
            </form>
            <table>
            <thead><tr><th>#</th><th>At</th><th>Kind</th><th>VM</th><th>User</th><th>Actor</th><th>Request</th><th>Detail</th></tr></thead>
            <tbody>
            {{#events}}
            <tr><td>{{id}}</td><td>{{at}}</td><td><code>{{kind}}</code></td><td><code>{{vm_id}}</code></td><td>{{user_id}}</td><td>{{actor}}</td><td><code>{{request_id}}</code></td><td>{{detail}}</td></tr>
            {{/events}}
            {{^events}}<tr><td colspan="8">No events match.</td></tr>{{/events}}
            </tbody></table>
            {{#next_page}}<p><a href="{{next_page}}">Older events →</a></p>{{/next_page}}
            </body></html>
            """)
}
