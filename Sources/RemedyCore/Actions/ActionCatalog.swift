/// The actions playbooks may name, looked up by dotted name.
public struct ActionCatalog: Sendable {
    public private(set) var descriptors: [String: ActionDescriptor]

    public init(_ descriptors: [ActionDescriptor]) {
        self.descriptors = Dictionary(descriptors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func action(named name: String) -> ActionDescriptor? { descriptors[name] }

    /// All descriptors, sorted by name.
    public var all: [ActionDescriptor] { descriptors.values.sorted { $0.name < $1.name } }

    /// Known names close to `name`, for "did you mean" in diagnostics.
    public func suggestions(for name: String) -> [String] {
        closestNames(to: name, among: descriptors.keys)
    }
}

/// Candidates within a small edit distance of `name`, closest first.
public func closestNames(to name: String, among candidates: some Sequence<String>, limit: Int = 3) -> [String] {
    let target = Array(name.lowercased().unicodeScalars)
    let threshold = max(2, target.count / 3)
    return
        candidates
        .map { ($0, editDistance(target, Array($0.lowercased().unicodeScalars))) }
        .filter { $0.1 <= threshold }
        .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        .prefix(limit)
        .map(\.0)
}

private func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
