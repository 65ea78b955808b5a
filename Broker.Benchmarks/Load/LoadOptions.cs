using System.Globalization;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// The load tool's command line: <c>load [--option value]...</c>. Every option has a default, so
/// <c>load</c> alone runs the fan-out scenario against both servers.
/// </summary>
public sealed class LoadOptions
{
    public static readonly string[] AllScenarios = ["fanout", "global", "direct", "request-reply", "idle"];

    public List<string> Scenarios { get; private set; } = ["fanout"];
    public List<ServerKind> Targets { get; private set; } = [ServerKind.MasterSocket, ServerKind.Nats];
    public Uri? Url { get; private set; }
    public int? Pid { get; private set; }
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);
    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(10);
    public TimeSpan WarmupMax { get; private set; } = TimeSpan.FromSeconds(45);
    public long Messages { get; private set; }
    public int Runs { get; private set; } = 1;
    public List<int>? FanoutRecipients { get; private set; }
    public int GlobalRecipients { get; private set; } = 10_000;
    public int Pairs { get; private set; } = 100;
    public int Requesters { get; private set; } = 200;
    public int Services { get; private set; } = 4;
    public List<int> IdleConnections { get; private set; } = [10_000, 50_000];
    public int PayloadBytes { get; private set; } = 200;
    public int Window { get; private set; } = 100;
    public int RequestWindow { get; private set; } = 1;

    /// <summary>
    /// <c>--rate half</c> (the default): the direct closed loop, then a paced run at half of each
    /// server's own median maximum. False for <c>--rate max</c> (the closed loop alone) and for a list.
    /// </summary>
    public bool PaceAtHalfMax { get; private set; } = true;

    /// <summary>
    /// The paced rates asked for with <c>--rate N[,N...]</c>, in the order given, instead of the closed
    /// loop; empty for max and half. Several make a sweep: one paced run per rate, and a chart of
    /// latency against rate.
    /// </summary>
    public IReadOnlyList<double> PacedRates { get; private set; } = [];

    /// <summary>
    /// <c>--slow-core</c>: a run whose cores were this much slower than their fastest in the invocation
    /// (<see cref="RunResult.CoreSlowdown"/>) is run again, at most <see cref="SlowCoreRetries"/> times.
    /// </summary>
    public double SlowCore { get; private set; } = 1.25;

    public int SlowCoreRetries { get; private set; } = 2;

    /// <summary>
    /// <c>--interleave S</c>: both servers run each traffic scenario at once, their publishers taking
    /// turns of S seconds; zero (the default) runs one server after the other.
    /// </summary>
    public TimeSpan Interleave { get; private set; } = TimeSpan.Zero;

    public string? BrokerCpus { get; private set; }
    public string? ToolCpus { get; private set; }
    public string OutDirectory { get; private set; } = "load-results";
    public string? BrokerDll { get; private set; }
    public string NatsServer { get; private set; } = "nats-server";
    public int Sources { get; private set; }
    public int ConnectConcurrency { get; private set; } = 128;
    public TimeSpan DrainTimeout { get; private set; } = TimeSpan.FromSeconds(15);
    public TimeSpan IdleSettle { get; private set; } = TimeSpan.FromSeconds(3);
    public bool NatsIdleSubscribe { get; private set; } = true;
    public bool Help { get; private set; }
    public bool Verbose { get; private set; }

    /// <summary>The fan-out recipient counts: the option, or 1000 (10, 100, 1000 under <c>all</c>, for the chart).</summary>
    public IReadOnlyList<int> EffectiveFanoutRecipients =>
        FanoutRecipients ?? (Scenarios.Count > 1 ? [10, 100, 1000] : [1000]);

    public static string HelpText => """
        MasterSocket end-to-end load tool

        usage: dotnet run -c Release --project Broker.Benchmarks -- load [options]

        Starts each server as a child process (or targets a running one with --url), opens the
        connections, runs a bounded workload, checks that every message arrived exactly once and in
        order, and reports rate, latency percentiles, server CPU per delivery, server RSS per
        connection and the tool's own CPU share. A run that loses, duplicates, reorders or misroutes
        anything exits 1 with a message instead of printing a rate.

        scenarios:
          fanout          1 publisher -> GROUP of N members (--fanout-recipients)
          global          1 publisher -> GLOBAL to N identified clients (--global-recipients)
          direct          P pairs, each sender DIRECT to its receiver (--pairs)
          request-reply   R requesters, a service group of S answering with REPLY
          idle            N identified connections, no traffic: memory per connection
          all             every scenario above; fanout with 10,100,1000 recipients and the chart

        options (default in brackets):
          --scenario LIST            comma-separated scenarios, or all                      [fanout]
          --target T                 both | mastersocket | nats                             [both]
          --url URL                  drive a running server (ws://127.0.0.1:8080/ws); needs a
                                     single --target; CPU and RSS only with --pid
          --pid N                    pid of the running server given with --url
          --duration S               measured window, seconds                               [10]
          --warmup S                 least traffic before the window opens, seconds         [10]
          --warmup-max S             then keep warming up in 2 s blocks until three blocks
                                     agree (server CPU per message within 5 %, rate within
                                     10 %: the JIT has tiered up), at most this long; equal
                                     to --warmup for a fixed warm-up                        [45]
          --messages N               end the window after N published messages (0: use
                                     --duration; bounded by 10 x duration)                  [0]
          --runs N                   runs per scenario and server, alternating servers;
                                     tables show medians                                    [1]
          --fanout-recipients LIST   group sizes for fanout, e.g. 10,100,1000               [1000]
          --global-recipients N      clients for global                                     [10000]
          --pairs N                  sender/receiver pairs for direct                       [100]
          --requesters N             requesters for request-reply                           [200]
          --services N               responders for request-reply                           [4]
          --request-window N         outstanding requests per requester                     [1]
          --connections LIST         idle connection counts                                 [10000,50000]
          --payload N                bytes of application payload per message (>= 64)      [200]
          --window N                 messages a publisher may be ahead of its slowest
                                     receiver (fanout, global) or in flight per pair        [100]
          --rate R                   direct pacing: max (closed loop), half (max, then a
                                     paced run at half the measured max), or messages/s;
                                     a list (25000,50000,100000) paces one run per rate
                                     and charts p99 against rate                            [half]
          --broker-cpus LIST         run each server under taskset -c LIST (e.g. 1)
          --tool-cpus LIST           pin this tool to these cpus (e.g. 0)
          --interleave S             with both servers: start both for each run, and let
                                     their publishers take turns of S seconds (only one
                                     server has traffic at a time), so a machine whose
                                     cores change speed over minutes slows both alike;
                                     each server's window is --duration of its own turns.
                                     Not request-reply, nor runs that would need more
                                     descriptors than the tool may open; 0: one server
                                     after the other                                        [0]
          --slow-core X              a virtual machine's cores change speed; a thread of
                                     this tool times a fixed loop on the servers' and the
                                     tool's cpus every second of the window. A run whose
                                     slowest cpu took X times its fastest time seen in this
                                     invocation is run again, and left out of the medians
                                     (printed and in results.json all the same)             [1.25]
          --slow-core-retries N      at most this many repeats per run; 0 only reports      [2]
          --out DIR                  results.json and charts                                [load-results]
          --broker-dll PATH          MasterSocket.Broker.dll       [<repo>/Broker/bin/Release/net10.0]
          --nats-server PATH         nats-server executable                                 [nats-server]
          --sources N                127.0.0.x source addresses for clients (0: one per
                                     20,000 connections)                                    [0]
          --connect-concurrency N    connections opened at once                             [128]
          --drain-timeout S          wait for in-flight messages after the window           [15]
          --idle-settle S            idle: wait before sampling RSS                         [3]
          --nats-idle-subscribe B    idle: each NATS client holds one SUB on its own
                                     subject, as a MasterSocket client is reachable by
                                     DIRECT (true | false)                                  [true]
          -v, --verbose              print each warm-up block (rate, server CPU per message)
          -h, --help                 this text

        examples:
          load --scenario fanout --target both --broker-cpus 1 --tool-cpus 0
          load --scenario all --runs 3 --interleave 2 --broker-cpus 1 --tool-cpus 0
          load --scenario direct --rate 25000,50000,100000,200000 --broker-cpus 1 --tool-cpus 0
          load --scenario idle --connections 10000
          load --url ws://127.0.0.1:8080/ws --target mastersocket --scenario direct --pid 1234
        """;

    /// <summary>Parses the arguments after <c>load</c>; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help" or "help")
            {
                options.Help = true;
                continue;
            }

            if (name is "-v" or "--verbose")
            {
                options.Verbose = true;
                continue;
            }

            string value;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (name.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"{name} needs a value (see --help)");
                }

                value = args[++i];
            }

            options.Set(name, value);
        }

        options.Validate();
        return options;
    }

    private void Set(string name, string value)
    {
        switch (name)
        {
            case "--scenario":
                Scenarios = value == "all" ? [.. AllScenarios] : [.. SplitList(value)];
                break;
            case "--target":
                Targets = value switch
                {
                    "both" => [ServerKind.MasterSocket, ServerKind.Nats],
                    "mastersocket" or "broker" => [ServerKind.MasterSocket],
                    "nats" => [ServerKind.Nats],
                    _ => throw new ArgumentException($"--target must be both, mastersocket or nats, not '{value}'"),
                };
                break;
            case "--url":
                Url = Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "ws"
                    ? url
                    : throw new ArgumentException($"--url must be a ws:// URL, not '{value}'");
                break;
            case "--pid": Pid = Int(name, value, 1); break;
            case "--duration": Duration = Seconds(name, value); break;
            case "--warmup": Warmup = Seconds(name, value, allowZero: true); break;
            case "--warmup-max": WarmupMax = Seconds(name, value, allowZero: true); break;
            case "--messages": Messages = Int(name, value, 0); break;
            case "--runs": Runs = Int(name, value, 1); break;
            case "--fanout-recipients": FanoutRecipients = [.. SplitList(value).Select(v => Int(name, v, 1))]; break;
            case "--global-recipients": GlobalRecipients = Int(name, value, 1); break;
            case "--pairs": Pairs = Int(name, value, 1); break;
            case "--requesters": Requesters = Int(name, value, 1); break;
            case "--services": Services = Int(name, value, 1); break;
            case "--request-window": RequestWindow = Int(name, value, 1); break;
            case "--connections": IdleConnections = [.. SplitList(value).Select(v => Int(name, v, 1))]; break;
            case "--payload": PayloadBytes = Int(name, value, Payload.MinimumLength); break;
            case "--window": Window = Int(name, value, 1); break;
            case "--rate":
                PaceAtHalfMax = value == "half";
                PacedRates = value is "max" or "half" ? [] : PacedRateList(value);
                break;
            case "--slow-core":
                SlowCore = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var slowdown) && slowdown > 0 && double.IsFinite(slowdown)
                    ? slowdown
                    : throw new ArgumentException($"{name} must be a factor such as 1.25, not '{value}'");
                break;
            case "--slow-core-retries": SlowCoreRetries = Int(name, value, 0); break;
            case "--interleave": Interleave = Seconds(name, value, allowZero: true); break;
            case "--broker-cpus": BrokerCpus = CpuList(name, value); break;
            case "--tool-cpus": ToolCpus = CpuList(name, value); break;
            case "--out": OutDirectory = value; break;
            case "--broker-dll": BrokerDll = value; break;
            case "--nats-server": NatsServer = value; break;
            case "--sources": Sources = Int(name, value, 0); break;
            case "--connect-concurrency": ConnectConcurrency = Int(name, value, 1); break;
            case "--drain-timeout": DrainTimeout = Seconds(name, value); break;
            case "--idle-settle": IdleSettle = Seconds(name, value, allowZero: true); break;
            case "--nats-idle-subscribe":
                NatsIdleSubscribe = bool.TryParse(value, out var subscribe) ? subscribe : throw new ArgumentException($"{name} must be true or false");
                break;
            default:
                throw new ArgumentException($"unknown option '{name}' (see --help)");
        }
    }

    private void Validate()
    {
        foreach (var scenario in Scenarios)
        {
            if (!AllScenarios.Contains(scenario))
            {
                throw new ArgumentException($"unknown scenario '{scenario}': one of {string.Join(", ", AllScenarios)} or all");
            }
        }

        if (Url is not null && Targets.Count != 1)
        {
            throw new ArgumentException("--url drives one running server: add --target mastersocket or --target nats");
        }

        if (Pid is not null && Url is null)
        {
            throw new ArgumentException("--pid only goes with --url (the tool knows the pids of the servers it starts)");
        }

        if (Services < 1 || Requesters < 1)
        {
            throw new ArgumentException("request-reply needs at least one requester and one service");
        }
    }

    /// <summary>The cpus in a taskset-style list ("0", "0,1", "0-3"), for the tool's own affinity mask.</summary>
    public static List<int> ExpandCpuList(string list)
    {
        var cpus = new List<int>();
        foreach (var part in SplitList(list))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0)
            {
                var from = int.Parse(part[..dash], CultureInfo.InvariantCulture);
                var to = int.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture);
                for (var cpu = from; cpu <= to; cpu++)
                {
                    cpus.Add(cpu);
                }
            }
            else
            {
                cpus.Add(int.Parse(part, CultureInfo.InvariantCulture));
            }
        }

        return cpus;
    }

    private static string CpuList(string name, string value)
    {
        try
        {
            return ExpandCpuList(value) is { Count: > 0 } cpus && cpus.All(c => c is >= 0 and < 64)
                ? value
                : throw new ArgumentException($"{name}: no cpu in '{value}'");
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{name} must be a cpu list such as 0, 0,1 or 0-3, not '{value}'");
        }
    }

    private static string[] SplitList(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static List<double> PacedRateList(string value)
    {
        var rates = SplitList(value).Select(v => double.TryParse(v.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate > 0 && double.IsFinite(rate)
            ? rate
            : double.NaN).ToList();
        return rates.Count > 0 && rates.All(double.IsFinite) && rates.Distinct().Count() == rates.Count
            ? rates
            : throw new ArgumentException($"--rate must be max, half, or messages/s (several, different, comma-separated for a sweep), not '{value}'");
    }

    private static int Int(string name, string value, int minimum)
    {
        var text = value.Replace("_", "", StringComparison.Ordinal);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= minimum
            ? number
            : throw new ArgumentException($"{name} must be an integer >= {minimum}, not '{value}'");
    }

    private static TimeSpan Seconds(string name, string value, bool allowZero = false) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && (seconds > 0 || (allowZero && seconds == 0)) && seconds < 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{name} must be a number of seconds{(allowZero ? " >= 0" : " > 0")}, not '{value}'");
}
