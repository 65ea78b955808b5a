using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MasterSocket.Benchmarks.Load;
using MasterSocket.Tests.Broker.Support;
using MasterSocket.Tests.LoadTool.Support;

namespace MasterSocket.Tests.LoadTool;

/// <summary>
/// The load tool end to end, as docs/benchmarks.md runs it, with short windows and small sizes: it
/// starts the broker this build ships (and nats-server beside it), drives every scenario over real
/// sockets, verifies every delivery and writes its report; and a run whose broker loses or repeats
/// one message exits 1 with no rate, through a proxy that drops or doubles one frame.
/// </summary>
public class LoadToolRunTests
{
    [Test]
    public void Direct_closed_loop_then_paced_at_half_reports_rate_latency_and_cpu_for_the_broker()
    {
        using var run = LoadToolRun.Start("--scenario", "direct", "--target", "mastersocket", "--pairs", "4", "--rate", "half");

        AssertSucceeded(run);
        var max = run.Row("direct", "MasterSocket", "max");
        AssertTraffic(max, connections: 8);
        AssertEveryMessageReached(max, recipients: 1, inFlight: 4 * 100);

        var paced = run.Row("direct", "MasterSocket", "paced");
        AssertTraffic(paced, connections: 8);
        var asked = double.Parse(Regex.Match(paced.GetProperty("variant").GetString()!, @"paced (\d+)/s").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.That(asked, Is.EqualTo(max.GetProperty("rate").GetDouble() / 2).Within(100), "paced at half of the measured max (rounded to 100/s)");
    }

    [Test]
    public void A_paced_run_sends_about_every_millisecond_and_says_how_evenly()
    {
        using var run = LoadToolRun.Start("--scenario", "direct", "--target", "mastersocket", "--pairs", "4", "--rate", "20000");

        AssertSucceeded(run);
        var paced = run.Row("direct", "MasterSocket", "paced");
        AssertTraffic(paced, connections: 8);

        // 1 ms asked. .NET's timers tick on the coarse clock: every 4 ms on a kernel with HZ=250 (this
        // machine's and Debian's), which is what the pacer once ran on. The bound leaves room for a
        // busy machine (a late tick is followed by a short one); the gaps are printed with every paced run.
        Assert.That(paced.GetProperty("pacerTickP50Micros").GetDouble(), Is.InRange(500, 2_500), "median gap between the pacer's ticks, µs");
        Assert.That(paced.GetProperty("pacerTickP99Micros").GetDouble(), Is.GreaterThanOrEqualTo(paced.GetProperty("pacerTickP50Micros").GetDouble()));
        Assert.That(File.ReadAllText(Path.Combine(run.OutDirectory, "results.md")), Does.Contain("**Pacer ticks (1 ms asked):** MasterSocket p50 "),
            "the report says how evenly the load was sent");
    }

    [Test]
    public void A_paced_sweep_runs_each_rate_in_turn_and_charts_latency_against_rate()
    {
        using var run = LoadToolRun.Start("--scenario", "direct", "--target", "mastersocket", "--pairs", "4", "--rate", "4000,12000");

        AssertSucceeded(run);
        var slow = run.Row("direct", "MasterSocket", "paced 4000/s");
        var fast = run.Row("direct", "MasterSocket", "paced 12000/s");
        AssertTraffic(slow, connections: 8);
        AssertTraffic(fast, connections: 8);
        Assert.That(fast.GetProperty("rate").GetDouble(), Is.GreaterThan(slow.GetProperty("rate").GetDouble() * 1.5),
            "each run was paced at its own rate");
        Assert.That(run.Medians, Has.Count.EqualTo(2), "the rates asked for, and no closed loop before them");

        var chart = File.ReadAllText(Path.Combine(run.OutDirectory, "direct-paced.svg"));
        Assert.That(chart, Does.StartWith("<svg").And.Contain("p99 latency, ms").And.Contain("messages/s asked").And.Contain("MasterSocket"));
    }

    [Test]
    public void Fanout_to_two_group_sizes_verifies_every_member_and_draws_the_chart()
    {
        using var run = LoadToolRun.Start("--scenario", "fanout", "--target", "mastersocket", "--fanout-recipients", "5,20");

        AssertSucceeded(run);
        foreach (var members in new[] { 5, 20 })
        {
            var row = run.Row("fanout", "MasterSocket", $"{members} members");
            AssertTraffic(row, connections: members + 1);
            AssertEveryMessageReached(row, recipients: members, inFlight: 100);
        }

        var chart = File.ReadAllText(Path.Combine(run.OutDirectory, "fanout.svg"));
        Assert.That(chart, Does.StartWith("<svg").And.Contain("MasterSocket"));
    }

    [Test]
    public void Global_reaches_every_identified_client()
    {
        using var run = LoadToolRun.Start("--scenario", "global", "--target", "mastersocket", "--global-recipients", "30");

        AssertSucceeded(run);
        var row = run.Row("global", "MasterSocket");
        AssertTraffic(row, connections: 31);
        AssertEveryMessageReached(row, recipients: 30, inFlight: 100);
    }

    [Test]
    public void Request_reply_counts_completed_requests()
    {
        using var run = LoadToolRun.Start("--scenario", "request-reply", "--target", "mastersocket", "--requesters", "6", "--services", "2");

        AssertSucceeded(run);
        var row = run.Row("request-reply", "MasterSocket");
        AssertTraffic(row, connections: 8);
        Assert.That(row.GetProperty("rateUnit").GetString(), Is.EqualTo("req/s"));
    }

    [Test]
    public void Idle_reports_the_brokers_memory_per_identified_connection()
    {
        using var run = LoadToolRun.Start("--scenario", "idle", "--target", "mastersocket", "--connections", "1000");

        AssertSucceeded(run);
        var row = run.Row("idle", "MasterSocket");
        Assert.Multiple(() =>
        {
            Assert.That(row.GetProperty("connections").GetInt32(), Is.EqualTo(1000));
            Assert.That(row.GetProperty("skipped").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(row.GetProperty("rssBytesPerConnection").GetDouble(), Is.GreaterThan(0).And.LessThan(1024 * 1024));
        });
    }

    [Test]
    public async Task Clients_are_spread_over_the_loopback_source_addresses_asked_for()
    {
        // The 50,000-connection step needs more than one 127.0.0.x source (~28,000 ports each).
        await using var broker = await BrokerServer.StartAsync();
        var sources = new HashSet<string>();
        using var stop = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var connection in broker.Runtime.Connections.All)
                {
                    if (connection.RemoteEndPoint is { } remote)
                    {
                        lock (sources)
                        {
                            sources.Add(remote.Address.ToString());
                        }
                    }
                }

                await Task.Delay(20);
            }
        });

        using var run = await Task.Run(() => LoadToolRun.Start(
            "--url", broker.WebSocketUri.ToString(), "--target", "mastersocket", "--scenario", "idle", "--connections", "90", "--sources", "3"));
        await stop.CancelAsync();
        await watch;

        AssertSucceeded(run);
        Assert.That(sources, Is.SupersetOf(new[] { "127.0.0.1", "127.0.0.2", "127.0.0.3" }));
    }

    [Test]
    public void Both_servers_side_by_side_give_two_rows_and_the_ratios()
    {
        NatsServerPresence.Require();

        using var run = LoadToolRun.Start("--scenario", "direct", "--target", "both", "--pairs", "4", "--rate", "max");

        AssertSucceeded(run);
        AssertTraffic(run.Row("direct", "MasterSocket"), connections: 8);
        AssertTraffic(run.Row("direct", "nats-server"), connections: 8);
        Assert.That(File.ReadAllText(Path.Combine(run.OutDirectory, "results.md")), Does.Contain("**MasterSocket ÷ nats-server:** CPU per delivery"));
    }

    /// <summary>
    /// Both servers at once, their publishers taking turns of 0.1 s: each verified over its own
    /// turns, closed loop and paced. The tool itself fails a run whose publishers sent anything
    /// outside their server's turns.
    /// </summary>
    [TestCase("max", null)]
    [TestCase("8000", "paced 8000/s")]
    public void Interleaved_both_servers_take_turns_and_each_is_verified_over_its_own_turns(string rate, string? variant)
    {
        NatsServerPresence.Require();

        using var run = LoadToolRun.Start("--scenario", "direct", "--target", "both", "--pairs", "4", "--rate", rate, "--interleave", "0.1");

        AssertSucceeded(run);
        foreach (var server in new[] { "MasterSocket", "nats-server" })
        {
            var row = run.Row("direct", server, variant);
            AssertTraffic(row, connections: 8);
            AssertEveryMessageReached(row, recipients: 1, inFlight: 4 * 100);
            Assert.That(run.AllRuns.Single(r => r.GetProperty("server").GetString() == server).GetProperty("interleaved").GetBoolean(), Is.True);
            Assert.That(row.GetProperty("windowSeconds").GetDouble(), Is.GreaterThanOrEqualTo(0.5), "--duration of its own turns");
            if (variant is not null)
            {
                // The lower bound leaves room for a pacer thread kept from its core by tests beside it.
                Assert.That(row.GetProperty("rate").GetDouble(), Is.InRange(8000 * 0.5, 8000 * 1.1), "paced at the rate asked, over its own turns");
            }
        }
    }

    [Test]
    public void Request_reply_does_not_take_turns_and_runs_one_server_after_the_other()
    {
        NatsServerPresence.Require();

        using var run = LoadToolRun.Start("--scenario", "request-reply", "--target", "both", "--requesters", "4", "--services", "2", "--interleave", "0.1");

        AssertSucceeded(run);
        Assert.That(run.AllRuns.Select(r => r.GetProperty("interleaved").GetBoolean()), Is.All.False);
        Assert.That(run.AllRuns, Has.Count.EqualTo(2));
    }

    [TestCase(FrameFault.Drop, "never arrived")]
    [TestCase(FrameFault.Duplicate, "arrived again")]
    public async Task A_broker_that_loses_or_repeats_one_message_fails_the_run_with_no_rate(FrameFault fault, string problem)
    {
        await using var broker = await BrokerServer.StartAsync();
        await using var proxy = new FrameTamperingProxy(broker.EndPoint, fault, frameNumber: 50);

        // The tool blocks its caller until the run ends; the broker and the proxy run on the pool.
        using var run = await Task.Run(() => LoadToolRun.Start(
            "--url", proxy.WebSocketUri.ToString(), "--target", "mastersocket", "--scenario", "direct", "--pairs", "2", "--rate", "max"));

        Assert.That(proxy.Tampered, Is.GreaterThan(0), "the proxy reached the frame it tampers with");
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(LoadCommand.Failed));
            Assert.That(run.Failed, Is.True);
            Assert.That(run.Failure, Does.StartWith("direct on MasterSocket:").And.Contain(problem));
            Assert.That(run.Medians, Is.Empty, "no rate is reported for a failed run");
        });
    }

    [Test]
    public async Task The_same_run_without_tampering_passes_through_the_proxy()
    {
        // The control for the test above: the proxy itself loses nothing.
        await using var broker = await BrokerServer.StartAsync();
        await using var proxy = new FrameTamperingProxy(broker.EndPoint, FrameFault.Drop, frameNumber: int.MaxValue);

        using var run = await Task.Run(() => LoadToolRun.Start(
            "--url", proxy.WebSocketUri.ToString(), "--target", "mastersocket", "--scenario", "direct", "--pairs", "2", "--rate", "max"));

        AssertSucceeded(run);
        AssertTraffic(run.Row("direct", "MasterSocket"), connections: 4, serverFigures: false);
    }

    [Test]
    public void A_run_on_a_core_slower_than_allowed_is_run_again_and_left_out_of_the_median()
    {
        // No run can be below 1.00 of its cores' best, so --slow-core 0.5 makes every run "slow":
        // the first is repeated, the repeat is kept (the one retry allowed is spent).
        using var run = LoadToolRun.Start("--scenario", "direct", "--target", "mastersocket", "--pairs", "2", "--rate", "max",
            "--slow-core", "0.5", "--slow-core-retries", "1");

        AssertSucceeded(run);
        var runs = run.AllRuns;
        Assert.That(runs, Has.Count.EqualTo(2), "the run and its one repeat");
        Assert.Multiple(() =>
        {
            Assert.That(runs[0].GetProperty("repeatedOnSlowCore").GetBoolean(), Is.True);
            Assert.That(runs[1].GetProperty("repeatedOnSlowCore").GetBoolean(), Is.False);
            foreach (var r in runs)
            {
                Assert.That(r.GetProperty("coreSlowdown").GetDouble(), Is.GreaterThanOrEqualTo(1.0).And.LessThan(10), "a timing against the best one in the invocation");
            }

            var median = run.Row("direct", "MasterSocket");
            Assert.That(median.GetProperty("messages").GetInt64(), Is.EqualTo(runs[1].GetProperty("messages").GetInt64()), "the median is the kept run's alone");
            Assert.That(File.ReadAllText(Path.Combine(run.OutDirectory, "results.md")), Does.Contain("**Cores' time:**"));
        });
    }

    [Test]
    public void With_no_retries_a_slow_core_is_only_reported()
    {
        using var run = LoadToolRun.Start("--scenario", "direct", "--target", "mastersocket", "--pairs", "2", "--rate", "max",
            "--slow-core", "0.5", "--slow-core-retries", "0");

        AssertSucceeded(run);
        Assert.That(run.AllRuns, Has.Count.EqualTo(1));
        Assert.That(run.AllRuns[0].GetProperty("coreSlowdown").GetDouble(), Is.GreaterThanOrEqualTo(1.0));
    }

    [TestCase("--scenario", "everything")]
    [TestCase("--url", "ws://127.0.0.1:1/ws")]
    [TestCase("--pairs", "0")]
    [TestCase("--bogus", "1")]
    [TestCase("--rate", "0")]
    [TestCase("--rate", "20000,fast")]
    [TestCase("--rate", "20000,20000")]
    [TestCase("--slow-core", "0")]
    [TestCase("--slow-core", "fast")]
    [TestCase("--slow-core-retries", "-1")]
    [TestCase("--interleave", "-1")]
    public void Bad_arguments_exit_2_before_anything_starts(string option, string value)
    {
        Assert.That(LoadCommand.Run([option, value]), Is.EqualTo(LoadCommand.BadArguments));
    }

    private static void AssertSucceeded(LoadToolRun run)
    {
        Assert.That(run.Results, Is.Not.Null, "results.json was written");
        Assert.That(run.ExitCode, Is.Zero, run.Failure);
        Assert.That(run.Failed, Is.False);
    }

    /// <summary>
    /// Deliveries in the window = messages in the window × recipients, give or take what was in
    /// flight when the window opened and closed (the publisher's window of 100 per sender).
    /// </summary>
    private static void AssertEveryMessageReached(JsonElement row, int recipients, int inFlight)
    {
        var expected = row.GetProperty("messages").GetInt64() * recipients;
        Assert.That(row.GetProperty("deliveries").GetInt64(), Is.EqualTo(expected).Within(inFlight * recipients), "every message reached every recipient");
    }

    /// <summary>A verified row with traffic, latency and (for a server the tool started) the server's CPU.</summary>
    private static void AssertTraffic(JsonElement row, int connections, bool serverFigures = true)
    {
        Assert.Multiple(() =>
        {
            Assert.That(row.GetProperty("connections").GetInt32(), Is.EqualTo(connections));
            Assert.That(row.GetProperty("rate").GetDouble(), Is.GreaterThan(0));
            Assert.That(row.GetProperty("deliveries").GetInt64(), Is.GreaterThan(0));
            Assert.That(row.GetProperty("p50Micros").GetDouble(), Is.GreaterThan(0));
            Assert.That(row.GetProperty("p99Micros").GetDouble(), Is.GreaterThanOrEqualTo(row.GetProperty("p50Micros").GetDouble()));
            Assert.That(row.GetProperty("toolCpuShare").GetDouble(), Is.GreaterThan(0));
            if (serverFigures)
            {
                Assert.That(row.GetProperty("serverCpuMicrosPerDelivery").GetDouble(), Is.GreaterThan(0));
                Assert.That(row.GetProperty("serverCores").GetDouble(), Is.GreaterThan(0));
            }
        });
    }
}
