import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron
import VigilNet
import VigilRuntime

/// Seeded, bounded fuzzing of everything Vigil reads from outside: each family mutates valid seeds a few
/// thousand times. Every input must end in a value or a located error: no crash (that would end this
/// process), no hang (each family has a time limit), and every configuration error names its file, a line
/// within the text and a column within the line, with a message that quotes no more than an excerpt.
/// The limits are for hangs, not speed: a family that takes 7 s on an idle machine took 72 s in CI's loaded
/// pass, so each has five minutes.
@Suite struct FuzzTests {
  static let seed: UInt64 = 0x5EED_0F_F022

  /// The repository's own files of a kind, as seeds.
  static func files(_ paths: [String]) -> [[UInt8]] {
    paths.compactMap { FileManager.default.contents(atPath: RepositoryPaths.root + "/" + $0).map(Array.init) }
  }

  static var yamlSeeds: [[UInt8]] {
    files([
      "serverless.yml", "functions/website-status/config.yml", "functions/kafka-backlog/config.yml",
      "functions/host-resources/config.yml", "functions/heartbeat-watchdog/config.yml",
      "functions/heartbeat-ingest/config.yml", "functions/region-latency/config.yml",
    ])
      + [
        "a: |\n  line one\n  line two\nb: >-\n  folded\n  text\n",
        "list:\n- {k: 'v', n: [1, 2, \"three\"]}\n- - nested\n  - more\n",
        "quoted: \"tab\\there \\u00e9\"\nsingle: 'it''s'\nempty:\nnull: ~\n",
      ].map { Array($0.utf8) }
  }

  /// Runs `cases` mutations of `seeds` through `check` on a Dispatch thread (never Swift's cooperative pool,
  /// which other tests need); returns the problems found, at most 20.
  static func fuzz(
    _ seeds: [[UInt8]], cases: Int, salt: UInt64, _ check: @escaping @Sendable ([UInt8]) -> String?
  ) async -> [String] {
    await offPool {
      var mutator = Mutator(seed: seed ^ salt)
      var problems: [String] = []
      for index in 0..<cases {
        let input = mutator.mutate(mutator.pick(seeds))
        if let problem = check(input), problems.count < 20 {
          problems.append(
            "case \(index): \(problem) — input \(String(decoding: input.prefix(200), as: UTF8.self).debugDescription)"
          )
        }
      }
      return problems
    }
  }

  /// Why `error` is not properly located in `text` (read from `file`), or nil.
  static func misplaced(_ error: ConfigError, in text: String, file: String) -> String? {
    let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    guard error.mark.file == file else { return "error names \(error.mark.file), not \(file): \(error)" }
    guard (1...max(1, lines.count)).contains(error.mark.line) else {
      return "line \(error.mark.line) of \(lines.count): \(error)"
    }
    let width = lines[error.mark.line - 1].count
    guard (1...width + 2).contains(error.mark.column) else {
      return "column \(error.mark.column) of a \(width)-character line: \(error)"
    }
    guard !error.message.isEmpty, error.description.count < 1_500 else {
      return "a message of \(error.description.count) characters"
    }
    return nil
  }

  /// Bytes as a configuration file is read: UTF-8 checked (an error located like any other), BOM dropped.
  static func text(_ bytes: [UInt8], file: String) -> Result<String, ConfigError> {
    do throws(ConfigError) {
      return .success(try ConfigFileReader.text(bytes[...], file: file))
    } catch {
      return .failure(error)
    }
  }

  @Test(.timeLimit(.minutes(5))) func yamlReader() async {
    let problems = await Self.fuzz(Self.yamlSeeds, cases: 4_000, salt: 1) { bytes in
      switch Self.text(bytes, file: "f.yml") {
      case .failure(let error):
        let lossy = String(decoding: bytes, as: UTF8.self)
        return error.mark.line >= 1 && error.mark.file == "f.yml"
          ? nil : "bad UTF-8 error \(error) in \(lossy.count)"
      case .success(let text):
        do throws(ConfigError) {
          _ = try YAMLParser.parse(text, file: "f.yml")
          return nil
        } catch {
          return Self.misplaced(error, in: text, file: "f.yml")
        }
      }
    }
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
  }

  /// serverless.yml through the whole loader: functions, triggers, settings, `${env:…}`.
  @Test(.timeLimit(.minutes(5))) func configurationLoader() async {
    let seeds =
      Self.files(["serverless.yml"]) + [
        Array(
          """
          service: shop
          provider:
            timeout: 30
            environment:
              variables: {TOKEN: '${env:TOKEN, none}'}
          custom:
            vigil:
              timezone: Asia/Shanghai
              grace: 10s
          functions:
            web:
              handler: website-status
              timeout: 20
              events:
                - timer:
                    parameters: {cronExpression: '0 */1 * * * * *', enable: true}
                - apigw:
                    parameters:
                      endpoints: [{path: /heartbeat, method: POST}]
          """.utf8)
      ]
    let problems = await Self.fuzz(seeds, cases: 2_000, salt: 2) { bytes in
      guard case .success(let text) = Self.text(bytes, file: "serverless.yml") else { return nil }
      do throws(ConfigError) {
        let config = try ServerlessConfig.parse(
          text, file: "serverless.yml", directory: "/nonexistent", environment: ["TOKEN": "s3cret-value-1"])
        for invalid in config.invalidFunctions {
          if let problem = Self.misplaced(invalid.error, in: text, file: "serverless.yml") { return problem }
          if invalid.error.description.contains("s3cret-value-1") { return "a secret in \(invalid.error)" }
        }
        return nil
      } catch {
        if error.description.contains("s3cret-value-1") { return "a secret in \(error)" }
        return Self.misplaced(error, in: text, file: "serverless.yml")
      }
    }
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
  }

  @Test(.timeLimit(.minutes(5))) func eventJSON() async {
    let seeds =
      Self.files([
        "functions/website-status/event.json", "functions/kafka-backlog/event.json",
        "functions/heartbeat-ingest/event.json", "functions/heartbeat-watchdog/event.json",
      ]) + [
        Array(#"{"Type":"Timer","TriggerName":"t","Time":"2026-11-23T00:00:00Z","Message":"\u00e9"}"#.utf8)
      ]
    let problems = await Self.fuzz(seeds, cases: 3_000, salt: 3) { bytes in
      do throws(EventError) {
        let event = try InvocationEvent(data: bytes, source: "event.json")
        _ = event.json.encodedString()
        return nil
      } catch {
        return error.description.hasPrefix("event.json: ") && error.description.count < 1_500
          ? nil : "unlocated or long error: \(error.description.prefix(300))"
      }
    }
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
  }

  @Test(.timeLimit(.minutes(5))) func cronParserAndNext() async {
    let seeds = [
      "0 */5 * * * * *", "0 0 2 ? * MON-FRI *", "0 0 12 L * ? 2026", "0 15 10 ? * 6#3 *", "*/1 * * * * * *",
      "0 0 0 1W 1/2 ? 2026-2030", "0 30 9 ? * SUN,SAT *", "@daily", "0 0 8 LW * ? *", "59 59 23 31 12 ? 2099",
    ].map { Array($0.utf8) }
    let zones = try? [Zone.utc, Zone.named("Asia/Shanghai"), Zone.named("America/New_York")]
    let problems = await Self.fuzz(seeds, cases: 4_000, salt: 4) { bytes in
      let text = String(decoding: bytes, as: UTF8.self)
      let expression: CronExpression
      do throws(CronError) {
        expression = try CronExpression(text)
      } catch {
        return error.description.count < 1_500 ? nil : "a message of \(error.description.count) characters"
      }
      // Parsed: the next firings exist or not, but always come in order and in bounded time.
      var after: Int64 = 1_795_399_200
      for zone in zones ?? [.utc] {
        for _ in 0..<3 {
          guard let next = expression.next(after: after, in: zone) else { break }
          if next <= after { return "next \(next) is not after \(after) for '\(text)'" }
          after = next
        }
      }
      return nil
    }
    #expect(zones != nil, "the test zones load")
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
  }

  /// Redis replies (RESP2): a value or a `RESPError`, with a short message, whatever the server sends.
  @Test(.timeLimit(.minutes(5))) func redisReplies() async {
    let seeds = [
      "+OK\r\n", "-WRONGPASS invalid username-password pair\r\n", ":1\r\n", "$5\r\nhello\r\n", "$-1\r\n",
      "*3\r\n$3\r\nset\r\n:42\r\n*2\r\n+a\r\n$-1\r\n", "*-1\r\n", "*2\r\n$0\r\n\r\n$4\r\na\r\nb\r\n",
    ].map { Array($0.utf8) }
    let problems = await Self.fuzz(seeds, cases: 4_000, salt: 6) { bytes in
      do throws(RESPError) {
        _ = try RESPCodec.decode(bytes)
        return nil
      } catch {
        return error.description.count < 300 ? nil : "a message of \(error.description.count) characters"
      }
    }
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
  }

  @Test(.timeLimit(.minutes(5))) func httpRequestParser() async {
    let seeds = [
      "GET /heartbeat/web-01?x=1 HTTP/1.1\r\nHost: monitor\r\nAuthorization: Bearer abc\r\n\r\n",
      "POST /heartbeat/db-01 HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\nContent-Type: application/json\r\n\r\n",
      "PUT /echo HTTP/1.0\r\nConnection: keep-alive\r\nX-A: b\r\n\r\n",
    ].map { Array($0.utf8) }
    let problems = await Self.fuzz(seeds, cases: 4_000, salt: 5) { bytes in
      do throws(HTTPRequestHead.Refusal) {
        let head = try HTTPRequestHead.parse(bytes[...])
        _ = (head.path, head.query, head.keepAlive)
        let length = try head.contentLength()
        return length >= 0 ? nil : "negative Content-Length \(length)"
      } catch {
        return (400...505).contains(error.status) && !error.reason.isEmpty && error.reason.count < 1_500
          ? nil : "refusal \(error.status) '\(error.reason.prefix(200))'"
      }
    }
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
  }
}
