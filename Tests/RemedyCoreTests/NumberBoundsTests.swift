import RemedyCore
import Testing

/// Numbers from findings, playbooks, exports and the journal are checked before any conversion that could trap.
@Suite struct NumberBoundsTests {
    @Test func wholeNumbersAreTakenOnlyWhenADoubleHoldsThemExactly() {
        #expect(JSONValue.number(42).integerValue == 42)
        #expect(JSONValue.number(-7).integerValue == -7)
        #expect(JSONValue.number(9_007_199_254_740_992).integerValue == 9_007_199_254_740_992)
        for value in [1e19, -1e300, 1.5, .infinity, -.infinity, .nan, 9_007_199_254_740_994] {
            #expect(JSONValue.number(value).integerValue == nil, "\(value)")
        }
        #expect(JSONValue.string("42").integerValue == nil)
    }

    @Test func durationsInSecondsAreBoundedToAYear() throws {
        #expect(Duration(checkedSeconds: 90) == .seconds(90))
        #expect(Duration(checkedSeconds: 0.25) == .milliseconds(250))
        for value in [1e16, -1, .infinity, .nan, 366 * 86_400 + 1] {
            #expect(Duration(checkedSeconds: value) == nil, "\(value)")
            #expect(throws: ValueTypeError.self) { try ValueType.duration.validate(.number(value)) }
        }
        #expect(try ValueType.duration.validate(.number(900)) == .number(900))
    }
}
