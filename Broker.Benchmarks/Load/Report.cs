using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// Turns run results into what a reader sees: one Markdown table per scenario (readable in a terminal
/// and pasteable into docs), a ratio line MasterSocket ÷ nats-server, medians over runs, and
/// results.json with every run.
/// </summary>
public static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A row whose every figure is the median of <paramref name="runs"/> (of one scenario, variant and server).</summary>
    public static RunResult Median(IReadOnlyList<RunResult> runs)
    {
        var first = runs[0];
        if (runs.Count == 1 || first.Skipped is not null)
        {
            return first with { Run = runs.Count == 1 ? first.Run : 0 };
        }

        return first with
        {
            Run = 0,
            MessagesPerSecond = Median(runs, r => r.MessagesPerSecond)!.Value,
            DeliveriesPerSecond = Median(runs, r => r.DeliveriesPerSecond)!.Value,
            P50Micros = Median(runs, r => r.P50Micros),
            P90Micros = Median(runs, r => r.P90Micros),
            P99Micros = Median(runs, r => r.P99Micros),
            P999Micros = Median(runs, r => r.P999Micros),
            CpuMicrosPerDelivery = Median(runs, r => r.CpuMicrosPerDelivery),
            CpuMicrosPerMessage = Median(runs, r => r.CpuMicrosPerMessage),
            ServerCores = Median(runs, r => r.ServerCores),
            RssBytesPerConnection = Median(runs, r => r.RssBytesPerConnection),
            ToolCpuShare = Median(runs, r => r.ToolCpuShare)!.Value,
            WindowSeconds = Median(runs, r => r.WindowSeconds)!.Value,
            WarmupSeconds = Median(runs, r => r.WarmupSeconds)!.Value,
            Messages = (long)Median(runs, r => r.Messages)!.Value,
            Deliveries = (long)Median(runs, r => r.Deliveries)!.Value,
            PacerTickP50Micros = Median(runs, r => r.PacerTickP50Micros),
            PacerTickP99Micros = Median(runs, r => r.PacerTickP99Micros),
            CoreSlowdown = Median(runs, r => r.CoreSlowdown),
        };
    }

    private static double? Median(IReadOnlyList<RunResult> runs, Func<RunResult, double?> field) =>
        MedianOf(runs.Select(field).Where(v => v is not null).Select(v => v!.Value));

    /// <summary>The median of <paramref name="numbers"/>, the mean of the middle two for an even count; null for none.</summary>
    public static double? MedianOf(IEnumerable<double> numbers)
    {
        var values = numbers.Order().ToList();
        if (values.Count == 0)
        {
            return null;
        }

        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /// <summary>The table of one scenario variant: one row per server, then the ratio line.</summary>
    public static string Table(string title, string description, IReadOnlyList<RunResult> rows, int runs)
    {
        var text = new StringBuilder();
        text.Append(Invariant, $"### {title}{(runs > 1 ? $" (median of {runs} runs)" : "")}\n\n{description}\n\n");
        var unit = rows.Count > 0 ? rows[0].RateUnit : "msgs/s";
        text.Append(Invariant, $"| server | conns | {unit} | deliveries/s | p50 | p90 | p99 | p99.9 | CPU µs/delivery | CPU µs/{(unit == "req/s" ? "request" : "msg")} | server cores | RSS/conn | tool CPU | cores' time |\n");
        text.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var row in rows)
        {
            if (row.Skipped is not null)
            {
                text.Append(Invariant, $"| {row.Server.Label()} | {row.Connections:N0} | {row.Skipped} ||||||||||||\n");
                continue;
            }

            var idle = row.Scenario == "idle";
            text.Append(Invariant, $"| {row.Server.Label()} | {row.Connections:N0} | {(idle ? "–" : Rate(row.MessagesPerSecond))} | {(idle ? "–" : Rate(row.DeliveriesPerSecond))} ")
                .Append(Invariant, $"| {Latency(row.P50Micros)} | {Latency(row.P90Micros)} | {Latency(row.P99Micros)} | {Latency(row.P999Micros)} ")
                .Append(Invariant, $"| {Number(row.CpuMicrosPerDelivery)} | {Number(row.CpuMicrosPerMessage)} | {Number(row.ServerCores)} ")
                .Append(Invariant, $"| {Bytes(row.RssBytesPerConnection)} | {row.ToolCpuShare * 100:0} % | {Number(row.CoreSlowdown)} |\n");
        }

        if (RatioLine(rows) is { } ratios)
        {
            text.Append('\n').Append(ratios).Append('\n');
        }

        if (PacerLine(rows) is { } pacer)
        {
            text.Append('\n').Append(pacer).Append('\n');
        }

        if (rows.Any(r => r.CoreSlowdown is not null))
        {
            text.Append("\n**Cores' time:** a fixed loop's time on the slowest cpu the run used, in its window, ÷ that cpu's best in this invocation (1.00: full speed; see --slow-core).\n");
        }

        return text.ToString();
    }

    /// <summary>"Pacer ticks: ..." for paced rows: how close to every millisecond the load was sent.</summary>
    public static string? PacerLine(IReadOnlyList<RunResult> rows)
    {
        var paced = rows.Where(r => r.PacerTickP50Micros is not null).ToList();
        return paced.Count == 0
            ? null
            : "**Pacer ticks (1 ms asked):** " + string.Join(" · ", paced.Select(r => $"{r.Server.Label()} p50 {Latency(r.PacerTickP50Micros)}, p99 {Latency(r.PacerTickP99Micros)}"));
    }

    /// <summary>"MasterSocket ÷ nats-server: ..." when both servers have a row.</summary>
    public static string? RatioLine(IReadOnlyList<RunResult> rows)
    {
        var ours = rows.FirstOrDefault(r => r.Server == ServerKind.MasterSocket && r.Skipped is null);
        var nats = rows.FirstOrDefault(r => r.Server == ServerKind.Nats && r.Skipped is null);
        if (ours is null || nats is null)
        {
            return null;
        }

        var parts = new List<string>();
        if (ours.Scenario != "idle")
        {
            parts.Add($"CPU per delivery {Ratio(ours.CpuMicrosPerDelivery, nats.CpuMicrosPerDelivery)}");
            parts.Add($"CPU per {(ours.RateUnit == "req/s" ? "request" : "message")} {Ratio(ours.CpuMicrosPerMessage, nats.CpuMicrosPerMessage)}");
            parts.Add($"rate {Ratio(ours.MessagesPerSecond, nats.MessagesPerSecond)}");
            parts.Add($"deliveries/s {Ratio(ours.DeliveriesPerSecond, nats.DeliveriesPerSecond)}");
            parts.Add($"p99 {Ratio(ours.P99Micros, nats.P99Micros)}");
        }

        parts.Add($"RSS per connection {Ratio(ours.RssBytesPerConnection, nats.RssBytesPerConnection)}");
        return $"**MasterSocket ÷ nats-server:** {string.Join(" · ", parts)}";
    }

    public static double? RatioValue(double? ours, double? theirs) =>
        ours is { } a && theirs is { } b && b > 0 ? a / b : null;

    private static string Ratio(double? ours, double? theirs) =>
        RatioValue(ours, theirs) is { } ratio ? ratio.ToString("0.00", Invariant) : "n/a";

    public static string Rate(double perSecond) => perSecond.ToString("N0", Invariant);

    public static string Latency(double? micros) => micros switch
    {
        null => "–",
        < 1000 => $"{micros.Value.ToString("0", Invariant)} µs",
        _ => $"{(micros.Value / 1000).ToString("0.00", Invariant)} ms",
    };

    public static string Number(double? value) => value switch
    {
        null => "–",
        < 10 => value.Value.ToString("0.00", Invariant),
        _ => value.Value.ToString("0.0", Invariant),
    };

    public static string Bytes(double? bytes) => bytes switch
    {
        null => "–",
        < 1024 and > -1024 => $"{bytes.Value.ToString("0", Invariant)} B",
        _ => $"{(bytes.Value / 1024).ToString("0.0", Invariant)} KiB",
    };

    /// <summary>Writes every run and every median row, with the machine and options, as JSON.</summary>
    public static void WriteJson(string path, LoadOptions options, IReadOnlyList<RunResult> runs, IReadOnlyList<RunResult> medians, bool failed, string? failure)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("tool", "MasterSocket load tool");
        json.WriteString("date", DateTime.UtcNow.ToString("u", Invariant));
        json.WriteString("machine", Machine.Summary());
        json.WriteString("arguments", string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
        json.WriteNumber("runs", options.Runs);
        json.WriteString("brokerCpus", options.BrokerCpus);
        json.WriteString("toolCpus", options.ToolCpus);
        json.WriteNumber("slowCore", options.SlowCore);
        json.WriteNumber("interleaveSeconds", options.Interleave.TotalSeconds);
        json.WriteBoolean("failed", failed);
        json.WriteString("failure", failure);
        WriteRows(json, "medians", medians);
        WriteRows(json, "allRuns", runs);
        json.WriteEndObject();
    }

    private static void WriteRows(Utf8JsonWriter json, string name, IReadOnlyList<RunResult> rows)
    {
        json.WriteStartArray(name);
        foreach (var row in rows)
        {
            json.WriteStartObject();
            json.WriteString("scenario", row.Scenario);
            json.WriteString("variant", row.Variant);
            json.WriteString("server", row.Server.Label());
            json.WriteNumber("run", row.Run);
            json.WriteNumber("connections", row.Connections);
            json.WriteString("skipped", row.Skipped);
            json.WriteString("rateUnit", row.RateUnit);
            json.WriteNumber("rate", Math.Round(row.MessagesPerSecond, 1));
            json.WriteNumber("deliveriesPerSecond", Math.Round(row.DeliveriesPerSecond, 1));
            Write(json, "p50Micros", row.P50Micros);
            Write(json, "p90Micros", row.P90Micros);
            Write(json, "p99Micros", row.P99Micros);
            Write(json, "p999Micros", row.P999Micros);
            Write(json, "serverCpuMicrosPerDelivery", row.CpuMicrosPerDelivery);
            Write(json, "serverCpuMicrosPerMessage", row.CpuMicrosPerMessage);
            Write(json, "serverCores", row.ServerCores);
            Write(json, "rssBytesPerConnection", row.RssBytesPerConnection);
            json.WriteNumber("toolCpuShare", Math.Round(row.ToolCpuShare, 3));
            json.WriteNumber("windowSeconds", Math.Round(row.WindowSeconds, 3));
            json.WriteNumber("warmupSeconds", Math.Round(row.WarmupSeconds, 1));
            json.WriteNumber("messages", row.Messages);
            json.WriteNumber("deliveries", row.Deliveries);
            Write(json, "pacerTickP50Micros", row.PacerTickP50Micros);
            Write(json, "pacerTickP99Micros", row.PacerTickP99Micros);
            Write(json, "coreSlowdown", row.CoreSlowdown);
            json.WriteBoolean("repeatedOnSlowCore", row.RepeatedOnSlowCore);
            json.WriteBoolean("interleaved", row.Interleaved);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void Write(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, Math.Round(v, 3));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
