import Mustache

extension AdminPages {
    /// `/admin/events`: lifecycle events, filtered and paginated. Values are HTML-escaped.
    static let events: MustacheTemplate = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Lifecycle events · Provisioner</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
            table{border-collapse:collapse;width:100%;font-size:.9rem}
            th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
            th{background:#f4f4f4}
            </style></head>
            <body>
            <h1>Lifecycle events</h1>
            <form method="get" action="/admin/events">
              <label>VM <input name="vm_id" value="{{filter.vm_id}}"></label>
              <label>Kind <input name="kind" value="{{filter.kind}}"></label>
              <button type="submit">Filter</button>
            </form>
            <table>
            <thead><tr><th>#</th><th>At</th><th>Kind</th><th>VM</th><th>Backend</th><th>Backend ref</th><th>Detail</th></tr></thead>
            <tbody>
            {{#events}}
            <tr><td>{{id}}</td><td>{{at}}</td><td><code>{{kind}}</code></td><td><code>{{vm_id}}</code></td><td>{{backend}}</td><td><code>{{backend_ref}}</code></td><td>{{detail}}</td></tr>
            {{/events}}
            {{^events}}<tr><td colspan="7">No events match.</td></tr>{{/events}}
            </tbody></table>
            {{#next_page}}<p><a href="{{next_page}}">Older events →</a></p>{{/next_page}}
            </body></html>
            """)

    /// `/admin/orphans`: resources tagged as ours with no active allocation.
    static let orphans: MustacheTemplate = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Orphans · Provisioner</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
            table{border-collapse:collapse;width:100%;font-size:.9rem}
            th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left}
            th{background:#f4f4f4}
            </style></head>
            <body>
            <h1>Orphans</h1>
            <p>Backend resources tagged as this Host's whose allocation is not active, as the last reconcile
            pass found them. They are never deleted automatically: check each one, then remove it on the backend.</p>
            <table>
            <thead><tr><th>Backend ref</th><th>Tagged VM id</th><th>Name</th><th>First seen</th></tr></thead>
            <tbody>
            {{#orphans}}
            <tr><td><code>{{backend_ref}}</code></td><td><code>{{vm_id}}</code></td><td>{{name}}</td><td>{{first_seen}}</td></tr>
            {{/orphans}}
            {{^orphans}}<tr><td colspan="4">No orphans.</td></tr>{{/orphans}}
            </tbody></table>
            </body></html>
            """)
}
