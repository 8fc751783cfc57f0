import LedgerCore

/// The programmes of a configuration, found by their canonical name or any alias (compared exactly after
/// trimming spaces), so that 寄宿生补助 and 寄宿生生活补助 are one programme to every rule.
public struct ProgramCatalog: Sendable {
    public let programs: [ProgramDefinition]
    /// Canonical names and aliases → index in `programs`; the first definition of a name wins.
    private let indexByName: [String: Int]

    public init(_ programs: [ProgramDefinition]) {
        self.programs = programs
        var index: [String: Int] = [:]
        for (i, program) in programs.enumerated() {
            for name in [program.name] + program.aliases {
                let key = name.trimmingASCIIWhitespace()
                if index[key] == nil { index[key] = i }
            }
        }
        indexByName = index
    }

    /// The index in `programs` of the programme called `name` (canonical or alias); nil for an unknown name.
    public func index(of name: String) -> Int? { indexByName[name.trimmingASCIIWhitespace()] }

    /// The programme called `name` (canonical or alias); nil for an unknown name.
    public func definition(of name: String) -> ProgramDefinition? { index(of: name).map { programs[$0] } }

    /// The canonical name of the programme called `name`; an unknown name is kept as it is.
    public func canonicalName(of name: String) -> String { definition(of: name)?.name ?? name }
}
