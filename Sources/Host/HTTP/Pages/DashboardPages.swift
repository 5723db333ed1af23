import Mustache

/// The customer's dashboard page, reached through a signed link. No JavaScript; Mustache's `{{ }}`
/// HTML-escapes every value, so names and URLs from users or the pool cannot inject markup.
enum DashboardPages {
    /// `GET /dashboard/{user}`: the "Active services" table, 5 columns, the last an `Open →`
    /// console link or `—`.
    static let dashboard: MustacheTemplate = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Your services · Provisioner</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:60rem}
            table{border-collapse:collapse;width:100%}
            th,td{border-bottom:1px solid #ddd;padding:.5rem;text-align:left;vertical-align:top}
            th{background:#f4f4f4}
            .sub{color:#666;font-size:.85rem}
            </style></head>
            <body>
            <h1>Your services</h1>
            <p>Signed in as <strong>{{user_id}}</strong>. This link stops working at {{expires_at}}.</p>
            <h2>Active services</h2>
            <table>
            <thead><tr><th>Service</th><th>Plan</th><th>Status</th><th>Address</th><th>Cockpit</th></tr></thead>
            <tbody>
            {{#services}}
            <tr><td>{{name}}{{#sub}}<div class="sub">{{sub}}</div>{{/sub}}</td><td>{{plan}}</td><td>{{status}}</td><td>{{address}}</td><td>{{#cockpit}}<a href="{{cockpit}}" rel="noopener noreferrer">Open →</a>{{/cockpit}}{{^cockpit}}—{{/cockpit}}</td></tr>
            {{/services}}
            {{^services}}<tr><td colspan="5">No active services.</td></tr>{{/services}}
            </tbody></table>
            </body></html>
            """)
}
