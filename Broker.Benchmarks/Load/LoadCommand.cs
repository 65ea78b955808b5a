using System.Diagnostics;
using System.Text;
using MasterSocket.Benchmarks.Load.Scenarios;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// The end-to-end load tool (<c>dotnet run -c Release --project Broker.Benchmarks -- load ...</c>):
/// runs each chosen scenario against each target server, <c>--runs</c> times with the servers
/// alternating, prints a table of medians per scenario with the MasterSocket ÷ nats-server ratios,
/// and writes results.json, results.md and the fan-out chart into <c>--out</c>.
/// Exit codes: 0 all runs verified, 1 a run lost/duplicated/reordered a message or could not run,
/// 2 bad arguments, 130 interrupted.
/// </summary>
public static class LoadCommand
{
    public const int Failed = 1;
    public const int BadArguments = 2;
    public const int Interrupted = 130;

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"load: {ex.Message}");
            return BadArguments;
        }

        if (options.Help)
        {
            Console.WriteLine(LoadOptions.HelpText);
            return 0;
        }

        using var interrupt = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            interrupt.Cancel();
        };

        var invocation = new Invocation(options, interrupt.Token);
        return await invocation.RunAsync();
    }

    /// <summary>One invocation: the scenarios in order, every result kept for the report files.</summary>
    private sealed class Invocation(LoadOptions options, CancellationToken interrupt)
    {
        private readonly List<RunResult> _allRuns = [];
        private readonly List<RunResult> _medians = [];
        private readonly StringBuilder _markdown = new();
        private readonly List<(int Recipients, RunResult Row)> _fanoutChart = [];
        private readonly List<(double Rate, RunResult Row)> _pacedChart = [];
        private readonly CoreBaseline _cores = new();
        private readonly IReadOnlyList<int> _watchedCpus = CoreSpeedProbe.IsSupported ? CoreSpeedProbe.WatchedCpus(options) : [];

        public async Task<int> RunAsync()
        {
            if (!PinTool())
            {
                return BadArguments;
            }

            Directory.CreateDirectory(options.OutDirectory);
            _cores.Observe(CoreSpeedProbe.Calibrate(_watchedCpus, rounds: 5));
            Console.WriteLine($"machine: {Machine.Summary()}");
            Console.WriteLine($"load tool cpus: {ProcessStats.OwnCpuCount()}{(options.ToolCpus is null ? "" : $" ({options.ToolCpus})")}; servers: {(options.BrokerCpus is null ? "any cpu" : $"taskset -c {options.BrokerCpus}")}; " +
                              $"warm-up {options.Warmup.TotalSeconds}..{options.WarmupMax.TotalSeconds} s, window {options.Duration.TotalSeconds} s, {options.Runs} run(s)\n");
            string? failure = null;
            var code = 0;
            try
            {
                foreach (var scenario in options.Scenarios)
                {
                    await RunScenarioAsync(scenario);
                }
            }
            catch (LoadRunFailedException ex)
            {
                failure = ex.Message;
                code = Failed;
            }
            catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
            {
                failure = "interrupted";
                code = Interrupted;
            }

            WriteFiles(code != 0, failure);
            if (failure is not null)
            {
                await Console.Error.WriteLineAsync($"\nFAILED: {failure}");
                await Console.Error.WriteLineAsync("No rate is reported for a failed run (each run must deliver every message exactly once, in order, to the right receiver).");
            }

            return code;
        }

        private async Task RunScenarioAsync(string name)
        {
            switch (name)
            {
                case "fanout":
                    foreach (var recipients in options.EffectiveFanoutRecipients)
                    {
                        foreach (var row in await RunVariantAsync(_ => new FanoutScenario(options, recipients)))
                        {
                            _fanoutChart.Add((recipients, row));
                        }
                    }

                    break;
                case "global":
                    await RunVariantAsync(_ => new GlobalScenario(options, options.GlobalRecipients));
                    break;
                case "direct":
                    await RunDirectAsync();
                    break;
                case "request-reply":
                    await RunVariantAsync(_ => new RequestReplyScenario(options));
                    break;
                case "idle":
                    foreach (var connections in options.IdleConnections)
                    {
                        await RunVariantAsync(_ => new IdleScenario(options, connections));
                    }

                    break;
            }
        }

        /// <summary>
        /// direct: closed loop at max; with --rate half, then paced at half of each server's own median
        /// max; with --rate N[,N...], paced at each rate in turn (charted when there are several).
        /// </summary>
        private async Task RunDirectAsync()
        {
            if (options.PacedRates.Count > 0)
            {
                foreach (var rate in options.PacedRates)
                {
                    foreach (var row in await RunVariantAsync(_ => new DirectScenario(options, rate)))
                    {
                        _pacedChart.Add((rate, row));
                    }
                }

                return;
            }

            var max = await RunVariantAsync(_ => new DirectScenario(options, null));
            if (options.PaceAtHalfMax)
            {
                var half = max.Where(r => r.Skipped is null).ToDictionary(r => r.Server, r => Math.Max(1, Math.Round(r.MessagesPerSecond / 2 / 100) * 100));
                await RunVariantAsync(server => new DirectScenario(options, half.GetValueOrDefault(server, 1000)), "paced at half of each server's max");
            }
        }

        /// <summary>
        /// Runs one scenario variant on every target, --runs times, alternating which server goes first
        /// (with --interleave, both at once, taking turns); prints and returns the median rows.
        /// </summary>
        private async Task<List<RunResult>> RunVariantAsync(Func<ServerKind, Scenario> create, string? titleSuffix = null)
        {
            var perServer = options.Targets.ToDictionary(t => t, _ => new List<RunResult>());
            var scenarios = options.Targets.ToDictionary(t => t, create);
            var first = scenarios[options.Targets[0]];
            var interleave = InterleaveTurn(first);
            for (var run = 1; run <= options.Runs; run++)
            {
                var order = run % 2 == 1 ? options.Targets : [.. Enumerable.Reverse(options.Targets)];
                var sets = interleave is null ? order.Select(server => (List<ServerKind>)[server]) : [order];
                foreach (var servers in sets)
                {
                    if (perServer[servers[0]] is [{ Skipped: not null }, ..])
                    {
                        continue; // a limit of this machine: it will not change between runs
                    }

                    // Run 1 uses the scenarios made above (the table's title comes from them).
                    var results = await RunRepeatedOnSlowCoresAsync(
                        again => RunOnceAsync([.. servers.Select(server => run == 1 && !again ? scenarios[server] : create(server))], servers, interleave, run));
                    foreach (var result in results)
                    {
                        perServer[result.Server].Add(result);
                        _allRuns.Add(result);
                        Console.WriteLine(Progress(result));
                    }
                }
            }

            var medians = options.Targets.Select(t => Report.Median(perServer[t])).ToList();
            _medians.AddRange(medians);
            var title = $"{first.Name}: {(titleSuffix is null ? first.Variant : $"{options.Pairs} pairs, {titleSuffix}")}";
            var description = string.Join(" ", options.Targets.Select(t => scenarios[t]).Select(s => s.Description).Distinct());
            var table = Report.Table(title, description, medians, options.Runs);
            Console.WriteLine();
            Console.WriteLine(table);
            _markdown.Append(table).Append('\n');
            return medians;
        }

        /// <summary>
        /// The turn length when <paramref name="scenario"/> runs interleaved (<c>--interleave</c>): both
        /// servers started by this tool, a scenario whose traffic all passes the gate, and descriptors
        /// for both servers' connections at once; null to run one server after the other.
        /// </summary>
        private TimeSpan? InterleaveTurn(Scenario scenario)
        {
            if (options.Interleave <= TimeSpan.Zero || options.Targets.Count < 2 || options.Url is not null || scenario is not TrafficScenario { TakesTurns: true } traffic)
            {
                return null;
            }

            var needed = (2L * traffic.ConnectionCount) + 1000;
            if (ProcessStats.OwnOpenFileLimit() is { } limit && limit < needed)
            {
                Console.WriteLine($"  {scenario.Name} · {scenario.Variant}: not interleaved (both servers' connections at once need about {needed:N0} descriptors; RLIMIT_NOFILE is {limit:N0}): one server after the other");
                return null;
            }

            return options.Interleave;
        }

        /// <summary>
        /// Runs once, and again while the run's cores were slower than <c>--slow-core</c> allows, at most
        /// <c>--slow-core-retries</c> times (the argument says whether this is a repeat). The slow runs stay
        /// on record, marked; the last one's results are returned.
        /// </summary>
        private async Task<IReadOnlyList<RunResult>> RunRepeatedOnSlowCoresAsync(Func<bool, Task<IReadOnlyList<RunResult>>> runOnce)
        {
            var results = await runOnce(false);
            for (var retry = 0; retry < options.SlowCoreRetries && results[0].CoreSlowdown > options.SlowCore; retry++)
            {
                // The host slowed a core this run used: the figures would be the host's, not the
                // servers'. Keep the run on record, and measure again.
                foreach (var result in results)
                {
                    _allRuns.Add(result with { RepeatedOnSlowCore = true });
                    Console.WriteLine($"{Progress(result)}: above --slow-core {Report.Number(options.SlowCore)}, run again");
                }

                results = await runOnce(true);
            }

            return results;
        }

        /// <summary>
        /// One run: <paramref name="scenarios"/>[i] on a fresh <paramref name="servers"/>[i] (or the one at
        /// --url), one server alone, or both taking turns of <paramref name="turn"/>; a result per server,
        /// with the cores' speed in its window.
        /// </summary>
        private async Task<IReadOnlyList<RunResult>> RunOnceAsync(List<Scenario> scenarios, List<ServerKind> servers, TimeSpan? turn, int run)
        {
            // Every wait inside is bounded; this guard bounds the whole run as well.
            using var guard = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
            var traffic = options.WarmupMax + (options.Duration * (options.Messages > 0 ? 10 : 1));
            guard.CancelAfter((turn is { } t ? 2 * (traffic + t + t) : options.Warmup + traffic) + options.DrainTimeout + TimeSpan.FromMinutes(5));
            var started = new List<ServerProcess>();
            var contexts = new List<RunContext>();
            CoreSpeedProbe? probe = null;
            try
            {
                for (var i = 0; i < servers.Count; i++)
                {
                    started.Add(options.Url is { } url
                        ? ServerProcess.Attach(servers[i], url, options.Pid)
                        : await ServerProcess.StartAsync(servers[i], options, guard.Token));
                    contexts.Add(new RunContext(options, started[i], scenarios[i].Name, guard.Token));
                }

                probe = new CoreSpeedProbe(_watchedCpus, () => contexts.Any(c => c.Recording), () => contexts.Any(c => c.WindowOpened));
                IReadOnlyList<RunResult> results = turn is { } each
                    ? await TrafficScenario.RunInterleavedAsync([.. scenarios.Select((s, i) => ((TrafficScenario)s, contexts[i]))], each)
                    : [await scenarios[0].RunAsync(contexts[0])];
                probe.Dispose();
                var slowdown = _cores.Slowdown(probe.Medians());
                return [.. results.Select(r => r with { Run = run, CoreSlowdown = slowdown, Interleaved = turn is not null })];
            }
            catch (OperationCanceledException) when (!interrupt.IsCancellationRequested)
            {
                foreach (var context in contexts)
                {
                    context.Verification.ThrowIfFailed();
                }

                throw new LoadRunFailedException($"{scenarios[0].Name} ({scenarios[0].Variant}){(turn is null ? $" on {servers[0].Label()}" : ", interleaved,")} did not finish in time");
            }
            finally
            {
                probe?.Dispose();
                foreach (var context in contexts)
                {
                    context.MarkClosing();
                }

                foreach (var server in started)
                {
                    await server.DisposeAsync();
                }

                foreach (var context in contexts)
                {
                    context.Dispose();
                }
            }
        }

        private static string Progress(RunResult r)
        {
            var head = $"  {r.Scenario} · {r.Variant} · {r.Server.Label()} · run {r.Run}: ";
            if (r.Skipped is not null)
            {
                return head + r.Skipped;
            }

            return r.Scenario == "idle"
                ? head + $"RSS/conn {Report.Bytes(r.RssBytesPerConnection)}, server cores {Report.Number(r.ServerCores)}"
                : head + $"{Report.Rate(r.MessagesPerSecond)} {r.RateUnit}, {Report.Rate(r.DeliveriesPerSecond)} deliveries/s, " +
                  $"p99 {Report.Latency(r.P99Micros)}, CPU {Report.Number(r.CpuMicrosPerDelivery)} µs/delivery, " +
                  $"server cores {Report.Number(r.ServerCores)}, tool CPU {r.ToolCpuShare * 100:0} % (after {r.WarmupSeconds:0} s warm-up)" +
                  (r.PacerTickP50Micros is null ? "" : $", pacer ticks p50 {Report.Latency(r.PacerTickP50Micros)} p99 {Report.Latency(r.PacerTickP99Micros)}") +
                  (r.CoreSlowdown is null ? "" : $", cores {Report.Number(r.CoreSlowdown)}× their best time") +
                  (r.Interleaved ? ", interleaved" : "");
        }

        private bool PinTool()
        {
            if (options.ToolCpus is null)
            {
                return true;
            }

            long mask = 0;
            foreach (var cpu in LoadOptions.ExpandCpuList(options.ToolCpus))
            {
                mask |= 1L << cpu;
            }

            if (!OperatingSystem.IsLinux())
            {
                Console.Error.WriteLine("load: --tool-cpus needs Linux");
                return false;
            }

            try
            {
                Process.GetCurrentProcess().ProcessorAffinity = (nint)mask;
                return true;
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or PlatformNotSupportedException)
            {
                Console.Error.WriteLine($"load: cannot pin the tool to cpus {options.ToolCpus}: {ex.Message}");
                return false;
            }
        }

        private void WriteFiles(bool failed, string? failure)
        {
            var json = Path.Combine(options.OutDirectory, "results.json");
            Report.WriteJson(json, options, _allRuns, _medians, failed, failure);
            File.WriteAllText(Path.Combine(options.OutDirectory, "results.md"), _markdown.ToString());
            var written = new List<string> { json, Path.Combine(options.OutDirectory, "results.md") };
            if (_fanoutChart.Select(r => r.Recipients).Distinct().Count() >= 2)
            {
                var svg = Path.Combine(options.OutDirectory, "fanout.svg");
                File.WriteAllText(svg, SvgChart.Fanout($"fanout: 1 publisher -> N members, {options.PayloadBytes}-byte payload", _fanoutChart));
                written.Add(svg);
            }

            if (_pacedChart.Select(r => r.Rate).Distinct().Count() >= 2)
            {
                var svg = Path.Combine(options.OutDirectory, "direct-paced.svg");
                File.WriteAllText(svg, SvgChart.PacedLatency($"direct paced: {options.Pairs} pairs, {options.PayloadBytes}-byte payload, 1 ms ticks", _pacedChart));
                written.Add(svg);
            }

            Console.WriteLine($"wrote {string.Join(", ", written)}");
        }
    }
}
