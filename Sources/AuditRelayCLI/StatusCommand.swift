import ArgumentParser
import Foundation
import Operations
import Polling
import Relay
import RelayCore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a running sidecar's sources, sinks, spool and GeoIP databases.",
        discussion: """
            Reads the running process's ops endpoint (http.listen): /metrics, scraped twice --sample apart for the \
            sinks' rates, and /status for each source's and sink's last error. With --config, the address comes from \
            the config's http.listen (0.0.0.0 and :: are asked on loopback); --url names it directly.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(name: .long, help: "The config file (YAML) of the running sidecar.")
    var config: String?

    @Option(name: .long, help: "The sidecar's ops endpoint, e.g. http://127.0.0.1:8686.")
    var url: String?

    @Option(name: .long, help: "table or json.")
    var format: Format = .table

    @Option(name: .long, help: "Time between the two /metrics scrapes the sinks' rates come from (e.g. 1s, 500ms; 0 for no rates).")
    var sample: String = "1s"

    var sampleInterval: Duration? { sample == "0" ? .zero : ConfigUnits.duration(sample) }

    func validate() throws {
        guard (config == nil) != (url == nil) else { throw ValidationError("give either --config FILE or --url http://host:port") }
        guard sampleInterval != nil else { throw ValidationError("--sample \"\(sample)\" is not a duration (use e.g. 500ms, 1s)") }
    }

    func run() async throws {
        let base = try url.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? Self.address(configFile: config ?? "")
        let interval = sampleInterval ?? .seconds(1)
        let client = HTTPClient(options: Self.options)
        do {
            let first = try await Self.metrics(client, base)
            var earlier: [MetricSample]?
            var latest = first
            var elapsed = 0.0
            if interval > .zero {
                let start = ContinuousClock.now
                try await Task.sleep(for: interval)
                latest = try await Self.metrics(client, base)
                elapsed = (ContinuousClock.now - start).seconds
                earlier = first
            }
            let errorsResponse = try await client.send(HTTPRequest(url: base + "/status"))
            let document = JSONDocument()
            // A sidecar older than /status still has its metrics: show them without last errors.
            let errors = errorsResponse.status == 200 ? try? document.parse(errorsResponse.body) : nil
            let status = SidecarStatus(metrics: latest, earlier: earlier, elapsed: elapsed, errors: errors, now: .now())
            print(format == .json ? status.json() : status.table(), terminator: "")
        } catch let error as PollError {
            Terminal.error("auditrelay is not reachable at \(base): \(error)")
            throw ExitCode(1)
        } catch let error as PrometheusText.ParseError {
            Terminal.error("\(base)/metrics did not answer Prometheus text: \(error)")
            throw ExitCode(1)
        }
    }

    static var options: HTTPOptions {
        var options = HTTPOptions()
        options.totalTimeout = .seconds(10)
        return options
    }

    static func metrics(_ client: HTTPClient, _ base: String) async throws -> [MetricSample] {
        let response = try await client.send(HTTPRequest(url: base + "/metrics"))
        guard response.status == 200 else {
            Terminal.error("\(base)/metrics answered HTTP \(response.status): is this auditrelay's http.listen?")
            throw ExitCode(1)
        }
        return try PrometheusText.parse(String(decoding: response.body, as: UTF8.self))
    }

    /// `http://host:port` from the config's `http.listen` (read without resolving the config's
    /// secrets, which `status` has no use for).
    static func address(configFile: String) throws -> String {
        let root: ConfigValue
        do {
            root = try ConfigLoader.read(file: configFile)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        var listen = RelayConfiguration.defaultListen
        if case .map(let top) = root, case .map(let http)? = top.first(where: { $0.key == "http" })?.value,
           case .scalar(let value)? = http.first(where: { $0.key == "listen" })?.value {
            listen = value
        }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), port > 0 else {
            Terminal.error("\(configFile): http.listen \"\(listen)\" names no fixed port to ask; use --url http://host:port")
            throw ExitCode(2)
        }
        var host = String(listen[..<colon])
        switch host {
        case "", "*", "0.0.0.0": host = "127.0.0.1"
        case "[::]": host = "[::1]"
        default: break
        }
        return "http://\(host):\(port)"
    }
}
