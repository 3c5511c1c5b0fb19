import CRdKafka
import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// One step of checking a sink's connection (`auditrelay check --connect`): `ok` with what was
/// seen, or the failure with the one-line fix. The probes block: run them on their own thread.
public struct SinkProbeStep: Sendable {
    public var check: String
    public var detail: String
    /// Nil: the step passed.
    public var fix: String?

    public init(check: String, detail: String, fix: String? = nil) {
        self.check = check
        self.detail = detail
        self.fix = fix
    }

    public var passed: Bool { fix == nil }
}

extension KafkaSink.Configuration {
    /// Fetches the cluster's metadata with the sink's own producer settings (TLS, SASL included)
    /// and looks for `topics` in it. All topics are asked for, so a broker that creates topics on
    /// first use does not create one here. librdkafka 2.0 cannot tell whether ACLs allow writing:
    /// a topic the principal may not describe is reported as such, write permission is not checked.
    public func probe(topics: [String], timeout: Duration) -> [SinkProbeStep] {
        let milliseconds = Int32(clamping: max(Int64(timeout.seconds * 1000), 1))
        guard let conf = rd_kafka_conf_new() else { return [SinkProbeStep(check: "metadata", detail: "cannot allocate a librdkafka configuration", fix: "out of memory")] }
        for (key, value) in producerProperties() where key != "log.queue" {
            if let problem = KafkaProperties.set(conf, key, value) {
                rd_kafka_conf_destroy(conf)
                return [SinkProbeStep(check: "metadata", detail: "librdkafka property \(key) \(problem.redacting(value.reveal(), as: "<redacted>"))",
                                      fix: "fix the sink's librdkafka.\(key)")]
            }
        }
        // Quiet: the failure is reported below, not as librdkafka's log lines on stderr.
        _ = KafkaProperties.set(conf, "log_level", Secret("0"))
        _ = KafkaProperties.set(conf, "socket.timeout.ms", Secret(String(max(milliseconds, 10))))
        var error = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &error, error.count) else {
            rd_kafka_conf_destroy(conf)
            let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return [SinkProbeStep(check: "metadata", detail: "kafka: cannot create the producer: \(message)", fix: "fix the sink's librdkafka settings: \(message)")]
        }
        defer { rd_kafka_destroy(handle) }
        var metadata: UnsafePointer<rd_kafka_metadata_t>?
        let code = rd_kafka_metadata(handle, 1, nil, &metadata, milliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            let reason = String(cString: rd_kafka_err2str(code))
            return [SinkProbeStep(check: "metadata", detail: "no metadata from \(brokers) within \(timeout): \(reason)",
                                  fix: "no broker of \(brokers) answered: check the sink's brokers, the network and the librdkafka security settings")]
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var found: [String: rd_kafka_resp_err_t] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            found[String(cString: topic.topic)] = topic.err
        }
        let brokerCount = Int(metadata.pointee.broker_cnt)
        var steps = [SinkProbeStep(check: "metadata", detail: "\(brokerCount) broker\(brokerCount == 1 ? "" : "s"), \(found.count) topic\(found.count == 1 ? "" : "s") visible")]
        for topic in topics {
            guard let code = found[topic] else {
                steps.append(SinkProbeStep(check: "topic \(topic)", detail: "does not exist (or this principal may not describe it)",
                                           fix: "create the topic \(topic) on \(brokers) (or grant this principal Describe and Write on it)"))
                continue
            }
            if code == RD_KAFKA_RESP_ERR_NO_ERROR {
                steps.append(SinkProbeStep(check: "topic \(topic)", detail: "present (write permission is not checked)"))
            } else {
                let reason = String(cString: rd_kafka_err2str(code))
                let fix = code == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED
                    ? "grant this principal Describe and Write on the topic \(topic)" : "the broker reports a problem with \(topic): \(reason)"
                steps.append(SinkProbeStep(check: "topic \(topic)", detail: reason, fix: fix))
            }
        }
        return steps
    }
}

extension SyslogSink.Configuration {
    /// Connects as the sink would: TCP connect, then the TLS handshake (certificate checked as the
    /// sink checks it) or the RELP `open` session, then closes cleanly. UDP has no connection:
    /// only the address is resolved.
    public func probe(timeout: Duration) -> [SinkProbeStep] {
        let target = "\(transport.rawValue)://\(host):\(port)"
        do {
            let descriptor = try SocketIO.connect(host: host, port: port, datagram: transport == .udp, connectTimeout: timeout, ioTimeout: timeout)
            Glibc.close(descriptor)
        } catch {
            let fix = "\(error)".hasPrefix("cannot resolve")
                ? "cannot resolve \(host): check the sink's url" : "nothing accepts connections at \(host):\(port): check the sink's url and that the syslog receiver is running"
            return [SinkProbeStep(check: "connect", detail: "syslog sink \(name) (\(target)): \(error)", fix: fix)]
        }
        var steps = [SinkProbeStep(check: "connect", detail: transport == .udp ? "\(target) resolved (UDP cannot confirm a receiver)" : "\(target) accepts connections")]
        guard transport == .tls || transport == .relp else { return steps }
        var settings = self
        settings.connectTimeout = timeout
        settings.ioTimeout = timeout
        let check = transport == .tls ? "tls handshake" : "relp session"
        do {
            let session = try SyslogConnection.transport(for: settings)
            try session.connect()
            session.close()
            steps.append(SinkProbeStep(check: check, detail: transport == .tls ? "certificate trusted for \(tls.serverName ?? host)" : "the server opened a RELP session"))
        } catch {
            let fix = transport == .tls
                ? "the TLS handshake with \(host):\(port) failed: set the sink's tls.ca to the CA that signed the receiver's certificate (and tls.serverName to a name it carries)"
                : "the receiver does not speak RELP at \(host):\(port): check the sink's url (rsyslog: imrelp on that port)"
            steps.append(SinkProbeStep(check: check, detail: "syslog sink \(name) (\(target)): \(error)", fix: fix))
        }
        return steps
    }
}

extension FileSink.Configuration {
    /// Whether the sink could open its file for appending: the file writable, or its directory
    /// when it does not exist yet. Nothing is created or written.
    public func probe() -> [SinkProbeStep] {
        let target = access(path, F_OK) == 0 ? path : Self.directory(of: path)
        guard access(target, W_OK) == 0 else {
            let code = errno
            let fix = code == ENOENT ? "create the directory \(target) (or change the sink's path)" : "make \(target) writable by this user (or change the sink's path)"
            return [SinkProbeStep(check: "writable", detail: "file sink \(path): \(target) is not writable: \(SystemError(errno: code))", fix: fix)]
        }
        return [SinkProbeStep(check: "writable", detail: target == path ? "\(path) is writable" : "\(path) can be created in \(target)")]
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
