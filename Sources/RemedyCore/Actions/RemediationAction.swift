/// An action of the catalogue: a type in RemedyActions that describes itself.
///
/// Execution (`execute`, `probe`, `verify`, `undo`) joins this protocol with the engine; validation and planning
/// need only the descriptor.
public protocol RemediationAction: Sendable {
    static var descriptor: ActionDescriptor { get }
}
