// RemedyExercise: the simulated account, scenarios and reports for `remedy exercise`.
// Not started; the module exists so that its dependencies (RemedyCore, RemedyExecutor) point the right way from
// the first commit. See docs/architecture.md.
