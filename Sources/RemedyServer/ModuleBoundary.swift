// RemedyServer: webhook intake, approvals API and metrics for `remedy serve`.
// Not started; the module exists so that its dependencies (RemedyCore, RemedyExecutor) point the right way from
// the first commit. See docs/architecture.md.
