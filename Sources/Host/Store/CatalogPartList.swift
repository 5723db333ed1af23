/// How a published catalog lists its parts in `backend_catalogs.parts`: their ids in order,
/// comma-separated (`NULL` for a catalog saved whole in `payload`).
enum CatalogPartList {
    static func text(_ ids: [Int64]) -> String { ids.map(String.init).joined(separator: ",") }

    static func ids(_ text: String?) -> [Int64] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: ",").compactMap { Int64($0) }
    }
}
