import Foundation
import TestHelpers
import Logging
import Testing
import Replay
import Normalizers
import Relay
import RelayCore
@testable import Sinks

/// Replay fixtures -> pipeline -> Kafka sink -> mock cluster, in process and through the binary;
/// what Kafka holds is read back and compared with what was sent.
@Suite(.serialized) struct KafkaEndToEndTests {
    static let fixtures = "\(KafkaTestSupport.root)/Tests/NormalizersTests/Fixtures/emm"

    @Test func pipelineDeliversEveryReplayedRecordWithItsHeaders() async throws {
        let cluster = try MockCluster()
        let directory = try KafkaTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = KafkaSink.Configuration(name: "kafka", brokers: cluster.bootstrap, properties: [], flushTimeout: .seconds(10))
        let kafka = try KafkaSink(configuration: configuration, deadLetterDirectory: directory, logger: .quiet)
        let collect = CollectingSink()
        let log = MemoryRecordLog(capacityBytes: 4 << 20, sinks: [kafka.name, collect.name])
        let source = ReplaySource(configuration: .init(id: "emm", path: Self.fixtures, batchSize: 25))
        var pipeline = Pipeline(sources: [.init(source: source, identity: SourceIdentity(workspaceID: "w", sourceID: "emm"))],
                                sinks: [kafka, collect], log: log, logger: .quiet)
        pipeline.sinkBatchSize = 40
        let summary = try await pipeline.run(once: true)

        let sent = await collect.ids
        // (A few fixture events repeat, so ids are compared as sorted lists, not sets.)
        #expect(sent.count == 341)
        #expect(summary.deliveredRecords == 2 * sent.count)
        let messages = try KafkaReader.readAll(bootstrap: cluster.bootstrap, topicPrefix: "audit.")
        #expect(messages.compactMap(\.recordID).sorted() == sent.sorted())
        #expect(messages.compactMap(\.key).sorted() == sent.sorted())
        for message in messages {
            #expect(message.headers["id"] == message.key)
            #expect(message.topic == "audit.\(message.headers["sourceType"] ?? "?")")
            #expect(message.headers["sourceID"] == "emm")
            #expect(message.headers["eventID"]?.isEmpty == false)
        }
        // Every vendor of the fixtures got its own topic.
        #expect(Set(messages.map(\.topic)).count >= 10)
    }

    @Test func runOnceBinaryDeliversEveryRecordReadBackWithKcat() throws {
        let cluster = try MockCluster(topics: ["relay.e2e": 8])
        let directory = try KafkaTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = "\(directory)/kafka.yaml"
        try """
            workspaceID: e2e
            sources:
              - {id: emm, type: replay, path: \(Self.fixtures), format: emm, batchSize: 50}
            sinks:
              - {type: kafka, brokers: "${env:E2E_BROKERS}", topic: relay.e2e, compression: lz4, flushTimeout: 10s}
              - {type: file, name: archive, path: \(directory)/sent.jsonl}
            spool: {dir: \(directory)/spool, maxBytes: 16MiB}
            log: {level: warning}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try Child.run(KafkaTestSupport.binary("auditrelay"), ["run", "--config", config, "--once"],
                                environment: ["E2E_BROKERS": cluster.bootstrap], timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        let sent = try String(contentsOfFile: "\(directory)/sent.jsonl", encoding: .utf8).split(separator: "\n").compactMap {
            ConsumedMessage(topic: "", key: nil, headers: [:], value: String($0)).recordID
        }
        #expect(sent.count == 341)

        // kcat -C prints "key headers value" per message and exits at the end of every partition.
        let kcat = try Child.run("/usr/bin/kcat", ["-C", "-b", cluster.bootstrap, "-t", "relay.e2e", "-e", "-q", "-f", "%k %h %s\n"], timeout: 60)
        #expect(kcat.status == 0, "\(kcat.stderr)")
        let lines = kcat.stdout.split(separator: "\n")
        var read: [String] = []
        for line in lines {
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count == 3 else { Issue.record("unexpected kcat line: \(line.prefix(200))"); continue }
            let id = String(fields[0])
            read.append(id)
            // %h prints the headers as name=value pairs separated by commas.
            #expect(fields[1].hasPrefix("sourceType=") && fields[1].contains(",sourceID=emm,eventID=") && fields[1].hasSuffix(",id=\(id)"))
            #expect(ConsumedMessage(topic: "", key: nil, headers: [:], value: String(fields[2])).recordID == id)
        }
        #expect(read.sorted() == sent.sorted())
    }
}

extension KafkaEndToEndTests {
    @Test func checkAcceptsTheKafkaExampleAndRejectsUnsafeSettingsWithoutSecrets() throws {
        let good = try Child.run(KafkaTestSupport.binary("auditrelay"), ["check", "--config", "Config/kafka.example.yaml"], timeout: 30)
        #expect(good.status == 0, "\(good.stderr)")
        let directory = try KafkaTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            sources: [{id: r, type: replay, path: \(Self.fixtures)}]
            sinks:
              - {type: kafka, brokers: k, librdkafka: {acks: "1", sasl.password: "${env:PW}", security.protocol: "${env:PW}"}}
            """.write(toFile: "\(directory)/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try Child.run(KafkaTestSupport.binary("auditrelay"), ["check", "--config", "\(directory)/bad.yaml"],
                                environment: ["PW": "topsecret-value"], timeout: 30)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("sinks[0].librdkafka.acks: cannot be changed from all"))
        #expect(bad.stderr.contains("sinks[0].librdkafka.security.protocol: rejected by librdkafka"))
        #expect(!(bad.stderr + bad.stdout).contains("topsecret"))
    }
}

/// Runs a process to completion with a timeout (stderr to a file so no pipe can fill up).
enum Child {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func start(_ path: String, _ arguments: [String], environment: [String: String] = [:], stderrPath: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: KafkaTestSupport.root)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = FileHandle.nullDevice
        return process
    }

    static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:], timeout: Double) throws -> Result {
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-child-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let process = try start(path, arguments, environment: environment, stderrPath: errorPath)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let timer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        return Result(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self),
                      stderr: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
    }
}
