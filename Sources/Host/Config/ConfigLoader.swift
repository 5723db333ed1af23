import Foundation
public import ProvisionerAPI

/// Finds, reads and decodes the config: an explicit file, `PROVISIONER_CONFIG`, or the embedded
/// default.
public struct ConfigLoader: Sendable {
    /// The name errors give the built-in config.
    public static let embeddedSourceName = "<embedded default config/provisioner.yaml>"

    /// The embedded default config text (the same bytes as `config/provisioner.yaml`).
    public static var embeddedDefaultText: String {
        String(decoding: PackageResources.provisioner_yaml, as: UTF8.self)
    }

    /// The backend kinds the binary links.
    public var backendKinds: [String]

    /// Creates a loader for a binary that links `backendKinds`.
    public init(backendKinds: [String]) {
        self.backendKinds = backendKinds
    }

    /// Loads the file at `path`, or the embedded default when `path` is `nil`.
    ///
    /// - Throws: ``ConfigError`` when the file cannot be read or is invalid.
    public func load(path: String?) throws -> HostConfiguration {
        guard let path else {
            return try decode(text: Self.embeddedDefaultText, source: Self.embeddedSourceName)
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(
                source: path, path: "<file>", mark: nil, message: "cannot read config file: \(Self.reason(error))")
        }
        return try decode(text: text, source: path)
    }

    /// Decodes config text.
    public func decode(text: String, source: String) throws -> HostConfiguration {
        let root = try YAMLConfigParser.parse(text, source: source)
        return try HostConfiguration(decoding: root, backendKinds: backendKinds)
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError {
            return "no such file"
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoPermissionError {
            return "permission denied"
        }
        return nsError.localizedDescription
    }
}
