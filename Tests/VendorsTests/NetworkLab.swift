import Foundation
import Testing
import TestHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Network faults for the tests that run in a network namespace of their own
/// (`scripts/test-netfaults.sh` makes it and runs `NetworkFaultTests` inside it with `ip netns
/// exec`). Every peer and the relay then talk over that namespace's loopback, so iptables rules
/// here touch no other test and no host traffic, and the namespace (with its rules) goes away with
/// the script. Rules match the peers' ports, so the test's own control requests and the relay's
/// `/readyz` pass as long as they use other ports.
///
/// Faults go on the INPUT hook: every packet on loopback crosses it exactly once, and a packet
/// dropped there vanishes silently (a drop on OUTPUT would fail the sender's `send` with EPERM,
/// which is not what a partition looks like).
enum NetworkLab {
    /// Set by scripts/test-netfaults.sh to the namespace it made for the run.
    static let namespace = ProcessInfo.processInfo.environment["NETFAULT_NAMESPACE"]

    /// True only inside the namespace the script named (never add rules to the host's), with
    /// iptables at hand: this process's network namespace is the one `/run/netns/<name>` pins.
    static let isolated: Bool = {
        guard let namespace, !namespace.contains("/") else { return false }
        var own = stat(), named = stat()
        guard stat("/proc/self/ns/net", &own) == 0, stat("/run/netns/\(namespace)", &named) == 0 else { return false }
        return own.st_ino == named.st_ino && own.st_dev == named.st_dev && FileManager.default.isExecutableFile(atPath: iptablesPath)
    }()

    static let skipReason: Comment = "needs a network namespace of its own with iptables and NFQUEUE: run scripts/test-netfaults.sh (as root)"

    static let iptablesPath = ["/usr/sbin/iptables", "/sbin/iptables"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/iptables"

    /// How long the silent partition of the sinks lasts (NETFAULT_PARTITION_SECONDS, default 90).
    static let partitionSeconds = Double(ProcessInfo.processInfo.environment["NETFAULT_PARTITION_SECONDS"] ?? "") ?? 90

    static func iptables(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: iptablesPath)
        process.arguments = ["-w"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestFailure("iptables \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }

    /// `-p tcp -m multiport --ports …`: traffic from or to any of `ports` (at most 15).
    static func match(_ ports: [Int]) -> [String] {
        ["-p", "tcp", "-m", "multiport", "--ports", ports.map(String.init).joined(separator: ",")]
    }

    /// Drops every packet from or to `ports` without a reset until `heal()`: a silent partition.
    final class Partition: @unchecked Sendable {
        private let rule: [String]
        private var active = true
        let started = ContinuousClock.now

        init(ports: [Int]) throws {
            rule = ["INPUT"] + NetworkLab.match(ports) + ["-j", "DROP"]
            try NetworkLab.iptables(["-I"] + rule)
        }

        func heal() {
            guard active else { return }
            active = false
            try? NetworkLab.iptables(["-D"] + rule)
        }

        deinit { heal() }
    }

    /// Packets from or to `ports` go through `netfault-queue` (NFQUEUE): each is delayed by
    /// `delayMilliseconds` or dropped with probability `loss`, in both directions.
    final class Impairment: @unchecked Sendable {
        static let queueNumber = 7
        private let rule: [String]
        private let process = Process()
        private let input = Pipe()
        private let output = Pipe()
        private var active = true

        init(ports: [Int], delayMilliseconds: Int, loss: Double, seed: Int = 19) throws {
            process.executableURL = URL(fileURLWithPath: try BuiltProducts.require("netfault-queue"))
            process.arguments = ["-q", "\(Self.queueNumber)", "-d", "\(delayMilliseconds)", "-l", "\(loss)", "-s", "\(seed)"]
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            var buffered: [UInt8] = []
            let line = try MockCluster.readLine(output.fileHandleForReading.fileDescriptor, buffer: &buffered, timeout: 10)
            guard line == "ready" else { throw TestFailure("netfault-queue did not start: \(line)") }
            rule = ["INPUT"] + NetworkLab.match(ports) + ["-j", "NFQUEUE", "--queue-num", "\(Self.queueNumber)"]
            try NetworkLab.iptables(["-I"] + rule)
        }

        /// Removes the rule and stops the queue; returns its `passed N dropped M overflowed K` line.
        @discardableResult
        func stop() -> String {
            guard active else { return "" }
            active = false
            try? NetworkLab.iptables(["-D"] + rule)
            try? input.fileHandleForWriting.close()
            var buffered: [UInt8] = []
            let summary = (try? MockCluster.readLine(output.fileHandleForReading.fileDescriptor, buffer: &buffered, timeout: 10)) ?? ""
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return summary
        }

        var isRunning: Bool { process.isRunning }

        deinit { stop() }
    }
}
