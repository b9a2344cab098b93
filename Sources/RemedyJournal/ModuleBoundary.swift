// RemedyJournal: the append-only, hash-chained journal (SQLite through GRDB, Ed25519 checkpoints).
// Not started; the module exists so that its dependencies (RemedyCore, GRDB, swift-crypto) point the right way
// from the first commit. See docs/architecture.md.
