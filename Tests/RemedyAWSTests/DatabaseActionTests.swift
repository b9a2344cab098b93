import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import Testing

/// The RDS actions through `CatalogInvoker` against moto: the snapshot taken once whatever the retries, and the
/// public endpoint taken away and given back.
extension MotoIntegrationTests {
    func createDatabase(_ world: World, _ identifier: String, isPublic: Bool) async throws -> RDSClient {
        let rds = RDSClient(try client(.rds, world))
        _ = try await rds.client.query("CreateDBInstance", effect: .mutating(idempotent: false)) {
            $0.set("DBInstanceIdentifier", identifier)
            $0.set("DBInstanceClass", "db.t3.micro")
            $0.set("Engine", "postgres")
            $0.set("MasterUsername", "admin_user")
            $0.set("MasterUserPassword", "not-a-real-password-1")
            $0.set("AllocatedStorage", 20)
            $0.set("PubliclyAccessible", isPublic)
        }
        return rds
    }

    @Test func aPublicDatabaseIsMadePrivateAndUndoGivesItsEndpointBack() async throws {
        let world = try await world()
        let rds = try await createDatabase(world, "payments-db", isPublic: true)
        let makePrivate = request("rds.make_private", ["instance": "payments-db"])

        let dryRun = try await world.invoker.execute(
            request("rds.make_private", ["instance": "payments-db"], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("rds:ModifyDBInstance") == true)
        #expect(try await rds.instance("payments-db").isPubliclyAccessible)

        #expect(try await world.invoker.probe(makePrivate) == .notDone)
        let result = try await world.invoker.execute(makePrivate)
        #expect(result.verified)
        #expect(result.outputs["was_public"] == true)
        #expect(try await rds.instance("payments-db").isPubliclyAccessible == false)
        guard case .done = try await world.invoker.probe(makePrivate) else {
            Issue.record("the probe still sees a public endpoint")
            return
        }
        // Already private: nothing to change, nothing to undo
        let again = try await world.invoker.execute(makePrivate)
        #expect(again.outputs["was_public"] == false)
        #expect(again.priorState == nil)

        try await world.invoker.undo(makePrivate, priorState: try #require(result.priorState))
        #expect(try await rds.instance("payments-db").isPubliclyAccessible)
    }

    @Test func aDatabaseSnapshotIsTakenOnceAndNamedForTheRunAndStep() async throws {
        let world = try await world()
        let rds = try await createDatabase(world, "orders-db", isPublic: false)
        var snapshot = request("rds.snapshot_instance", ["instance": "orders-db"])
        snapshot.runID = "run-01a25274-0547-7a37"
        snapshot.stepID = "evidence"
        #expect(try await world.invoker.probe(snapshot) == .notDone)
        let result = try await world.invoker.execute(snapshot)
        let name = try #require(result.outputs["snapshot_id"]?.stringValue)
        #expect(name == "remedy-run-01a25274-0547-7a37-evidence")
        #expect(try await rds.snapshotStatus(name) != nil)
        guard case .done(let found) = try await world.invoker.probe(snapshot) else {
            Issue.record("the probe does not find the snapshot")
            return
        }
        #expect(found.outputs["snapshot_id"] == .string(name))
        // A retry whose first answer was lost finds its own snapshot rather than failing or taking another
        let retried = try await world.invoker.execute(snapshot)
        #expect(retried.outputs["snapshot_id"] == .string(name))
        // An identifier that is not one RDS allows is refused before any call
        await #expect {
            _ = try await world.invoker.execute(request("rds.snapshot_instance", ["instance": "orders--db"]))
        } throws: { ($0 as? ActionFailure)?.code == "InvalidParameter" }
    }
}
