import Testing

/// The `vigil cron next` contract other tools script against.
@Suite struct CronCLITests {
  @Test func printsTimestampsWithTheOffsetInForce() async throws {
    let run = try await vigil([
      "cron", "next", "0 30 2 * * * *", "--from", "2024-03-09T12:00:00-05:00", "--count", "3", "--tz",
      "America/New_York",
    ])
    #expect(run.status == 0)
    #expect(
      run.lines == ["2024-03-10T03:00:00-04:00", "2024-03-11T02:30:00-04:00", "2024-03-12T02:30:00-04:00"])
    #expect(run.stderr.isEmpty)
  }

  @Test func defaultsToFiveLinesInShanghai() async throws {
    let run = try await vigil(["cron", "next", "0 0 10 * * MON-FRI *", "--from", "2026-11-20T12:00:00+08:00"])
    #expect(run.status == 0)
    #expect(
      run.lines == [
        "2026-11-23T10:00:00+08:00", "2026-11-24T10:00:00+08:00", "2026-11-25T10:00:00+08:00",
        "2026-11-26T10:00:00+08:00", "2026-11-27T10:00:00+08:00",
      ])
  }

  @Test func fewerLinesWhenFewerExistAndNoneWhenItNeverFires() async throws {
    let few = try await vigil([
      "cron", "next", "0 0 0 1 1 * 2098-2099", "--from", "2026-01-01T00:00:00Z", "--count", "5", "--tz",
      "UTC",
    ])
    #expect(few.status == 0)
    #expect(few.lines == ["2098-01-01T00:00:00+00:00", "2099-01-01T00:00:00+00:00"])
    let never = try await vigil(["cron", "next", "0 0 0 30 2 * *"])
    #expect(never.status == 0)
    #expect(never.stdout.isEmpty)
  }

  @Test(arguments: [
    (["cron", "next", "0 0 25 * * * *"], "hour field '25': 25 is out of range 0-23"),
    (["cron", "next", "* * * * * *"], "6 fields given"),
    (["cron", "next", "0 0 0 * * 7 *"], "day-of-week field '7'"),
    (["cron", "next", "0 0 0 * * * *", "--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
    (["cron", "next", "0 0 0 * * * *", "--from", "tomorrow"], "--from 'tomorrow' is not an ISO-8601 time"),
    (["cron", "next", "0 0 0 * * * *", "--count", "-1"], "--count must be a whole number"),
    (["cron", "next", "0 0 0 * * * *", "--cuont", "2"], "did you mean '--count'?"),
    (["cron", "next", "0", "0", "0", "*", "*", "*", "*"], "give the expression as one quoted argument"),
  ])
  func invalidInputExitsTwoWithNothingOnStdout(arguments: [String], message: String) async throws {
    let run = try await vigil(arguments)
    #expect(run.status == 2)
    #expect(run.stdout.isEmpty)
    #expect(run.stderr.contains(message), "\(run.stderr)")
  }
}

@Suite struct HelpTests {
  @Test(arguments: [
    "list", "invoke", "validate", "schedule", "cron", "channel", "alerts", "ack", "unack", "silence",
  ])
  func everyCommandHasHelp(command: String) async throws {
    let run = try await vigil([command, "--help"])
    #expect(run.status == 0)
    #expect(run.stdout.contains("usage: vigil \(command)"))
  }

  @Test func topLevelHelpListsTheCommandsAndCronAWSTranslates() async throws {
    let run = try await vigil(["--help"])
    #expect(run.status == 0)
    #expect(run.stdout.contains("invoke"))
    #expect(run.stdout.contains("serve"))
    #expect(run.stdout.contains("runtime"))
    let aws = try await vigil(["cron", "aws", "0 30 9 * * 1-5 *"])
    #expect(aws.status == 0)
    #expect(aws.stdout == "cron(30 9 ? * 2-6 *)\n")
    let untranslatable = try await vigil(["cron", "aws", "*/5 * * * * * *"])
    #expect(untranslatable.status == 2)
    #expect(untranslatable.stderr.contains("no seconds field"))
    let typo = try await vigil(["invok", "x"])
    #expect(typo.status == 2)
    #expect(typo.stderr.contains("did you mean 'invoke'?"))
  }
}

@Suite struct CronExplainCLITests {
  @Test func explainsInEnglishAndChinese() async throws {
    let english = try await vigil(["cron", "explain", "0 15 10 * * MON-FRI *"])
    #expect(english.status == 0)
    #expect(english.lines == ["At 10:15:00, on Monday through Friday"])
    let chinese = try await vigil(["cron", "explain", "0 15 10 * * MON-FRI *", "--lang", "zh"])
    #expect(chinese.lines == ["星期一至星期五，10:15:00"])
    let invalid = try await vigil(["cron", "explain", "0 0 0 * * 7 *"])
    #expect(invalid.status == 2)
    #expect(invalid.stdout.isEmpty)
    #expect(invalid.stderr.contains("day-of-week field '7'"))
    let badLanguage = try await vigil(["cron", "explain", "* * * * * * *", "--lang", "fr"])
    #expect(badLanguage.status == 2)
    #expect(badLanguage.stderr.contains("--lang must be en or zh"))
  }
}
