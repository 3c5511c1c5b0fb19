import TestHelpers

enum KafkaTestSupport {
    static let root = BuiltProducts.repositoryRoot

    static func binary(_ name: String) -> String { BuiltProducts.path(name) }

    static func temporaryDirectory() throws -> String { try BuiltProducts.temporaryDirectory("kafka-test") }
}
