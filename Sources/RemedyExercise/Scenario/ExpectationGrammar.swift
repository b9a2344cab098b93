import Foundation
import RemedyCore

/// The expectation sentences a scenario may use.
enum ExpectationGrammar {
    struct Problem: Error {
        var message: String
    }

    static let forms = [
        "instance SELECTOR isolated [within DURATION]", "instance SELECTOR not isolated", "instance SELECTOR stopped",
        "key ACCESS_KEY_ID inactive [within DURATION]", "user NAME has no console access [within DURATION]",
        "bucket NAME not public [within DURATION]", "snapshot ID private [within DURATION]", "no finding unmatched",
        "no step failed", "finding ID run succeeded|failed|parked", "notification sent [to DESTINATION]",
    ]

    static func parse(_ text: String) -> Result<Expectation.Check, Problem> {
        var words = text.split(separator: " ").map(String.init)
        var within: Duration?
        if words.count >= 2, words[words.count - 2] == "within" {
            guard let duration = DurationText.parse(words[words.count - 1]) else {
                return .failure(Problem(message: "'\(words[words.count - 1])' is not a duration (45s, 5m, 1h)"))
            }
            within = duration
            words.removeLast(2)
        }
        func selector(_ word: String) -> Expectation.InstanceSelector {
            if word == "*" { return .all }
            if word.hasPrefix("tag:"), let equals = word.firstIndex(of: "=") {
                return .tag(
                    key: String(word[word.index(word.startIndex, offsetBy: 4)..<equals]),
                    value: String(word[word.index(after: equals)...])
                )
            }
            return .id(word)
        }
        switch words {
        case let w where w.count == 3 && w[0] == "instance" && w[2] == "isolated":
            return .success(.isolated(selector(w[1]), within: within))
        case let w where w.count == 4 && w[0] == "instance" && w[2] == "not" && w[3] == "isolated" && within == nil:
            return .success(.notIsolated(selector(w[1])))
        case let w where w.count == 3 && w[0] == "instance" && w[2] == "stopped" && within == nil:
            return .success(.stopped(selector(w[1])))
        case let w where w.count == 3 && w[0] == "key" && w[2] == "inactive":
            return .success(.keyInactive(w[1], within: within))
        case let w where w.count == 6 && w[0] == "user" && w[2...] == ["has", "no", "console", "access"]:
            return .success(.noConsoleAccess(user: w[1], within: within))
        case let w where w.count == 4 && w[0] == "bucket" && w[2] == "not" && w[3] == "public":
            return .success(.bucketNotPublic(w[1], within: within))
        case let w where w.count == 3 && w[0] == "snapshot" && w[2] == "private":
            return .success(.snapshotPrivate(w[1], within: within))
        case ["no", "finding", "unmatched"] where within == nil:
            return .success(.noFindingUnmatched)
        case ["no", "step", "failed"] where within == nil:
            return .success(.noStepFailed)
        case let w
        where w.count == 4 && w[0] == "finding" && w[2] == "run" && ["succeeded", "failed", "parked"].contains(w[3])
            && within == nil:
            return .success(.runStatus(finding: w[1], status: w[3]))
        case ["notification", "sent"] where within == nil:
            return .success(.notified(destination: nil))
        case let w where w.count == 4 && w[0] == "notification" && w[1] == "sent" && w[2] == "to" && within == nil:
            return .success(.notified(destination: w[3]))
        default:
            return .failure(
                Problem(message: "cannot read expectation '\(text)'; expected one of: \(forms.joined(separator: "; "))")
            )
        }
    }
}
