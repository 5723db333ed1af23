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

    /// `GET /admin/allocations`: 13 columns, the last an `Open →` console link or `—`.
    static let allocations: MustacheTemplate = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Allocations · Provisioner</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
            table{border-collapse:collapse;width:100%;font-size:.85rem}
            th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
            th{background:#f4f4f4}
            code{font-size:.8rem}
            form{margin-bottom:1rem}
            .badge{display:inline-block;margin-left:.3rem;padding:0 .3rem;border-radius:.2rem;background:#b00;color:#fff;font-size:.75rem}
            </style></head>
            <body>
            <h1>Allocations</h1>
            <form method="get" action="/admin/allocations">
              <label>User <input name="user_id" value="{{filter.user_id}}"></label>
              <label>State <select name="state"><option value="">any</option>{{#states}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/states}}</select></label>
              <label>Backend <input name="backend" value="{{filter.backend}}"></label>
              <button type="submit">Filter</button>
            </form>
            <table>
            <thead><tr>{{#columns}}<th>{{.}}</th>{{/columns}}</tr></thead>
            <tbody>
            {{#rows}}
            <tr><td><code>{{vm_id}}</code></td><td>{{user_id}}</td><td>{{plan}}</td><td>{{backend}}</td><td>{{state}}{{#orphaned}}<span class="badge">orphaned_from_pool</span>{{/orphaned}}{{#teardown_pending}}<span class="badge">teardown_pending</span>{{/teardown_pending}}{{#host_health}}<span class="badge">host {{host_health}}</span>{{/host_health}}</td><td>{{payment}}</td><td><code>{{backend_ref}}</code></td><td>{{ipv4}}</td><td>{{ipv6}}</td><td>{{ssh}}</td><td>{{created_at}}</td><td>{{updated_at}}</td><td>{{#cockpit}}<a href="{{cockpit}}" rel="noopener noreferrer">Open →</a>{{/cockpit}}{{^cockpit}}—{{/cockpit}}</td></tr>
            {{/rows}}
            {{^rows}}<tr><td colspan="13">No allocations match.</td></tr>{{/rows}}
            </tbody></table>
            {{#next_page}}<p><a href="{{next_page}}">Next page →</a></p>{{/next_page}}
            </body></html>
            """)
}
