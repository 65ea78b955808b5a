using System.Text.Json;
using MasterSocket.Benchmarks.Load;

namespace MasterSocket.Tests.LoadTool.Support;

/// <summary>
/// One invocation of the load tool in this process, exactly as <c>dotnet run --project
/// Broker.Benchmarks -- load ARGS</c> runs it, with its report files in a temporary folder. ShortTimes
/// windows so a test takes seconds; the broker it starts is the build beside the tests.
/// </summary>
public sealed class LoadToolRun : IDisposable
{
    /// <summary>Warm-up, window and settle times short enough for a test, still long enough to verify.</summary>
    public static readonly string[] ShortTimes = ["--warmup", "0.5", "--warmup-max", "0.5", "--duration", "0.5", "--drain-timeout", "10", "--idle-settle", "0.2"];

    private LoadToolRun(string outDirectory, int exitCode)
    {
        OutDirectory = outDirectory;
        ExitCode = exitCode;
        var json = Path.Combine(outDirectory, "results.json");
        Results = File.Exists(json) ? JsonDocument.Parse(File.ReadAllText(json)) : null;
    }

    /// <summary>The broker this test build ships, started by the tool as a child process.</summary>
    public static string BrokerDll => Path.Combine(AppContext.BaseDirectory, "MasterSocket.Broker.dll");

    public string OutDirectory { get; }

    public int ExitCode { get; }

    /// <summary>results.json, which the tool writes on success and on failure.</summary>
    public JsonDocument? Results { get; }

    public bool Failed => Results!.RootElement.GetProperty("failed").GetBoolean();

    public string? Failure => Results!.RootElement.GetProperty("failure").GetString();

    /// <summary>The median rows, one per scenario variant and server.</summary>
    public IReadOnlyList<JsonElement> Medians => [.. Results!.RootElement.GetProperty("medians").EnumerateArray()];

    /// <summary>Every run, repeated ones included, in the order they ran.</summary>
    public IReadOnlyList<JsonElement> AllRuns => [.. Results!.RootElement.GetProperty("allRuns").EnumerateArray()];

    public static LoadToolRun Start(params string[] args)
    {
        var outDirectory = Path.Combine(Path.GetTempPath(), $"mastersocket-load-test-{Guid.NewGuid():N}");
        string[] all = [.. args, .. ShortTimes, "--out", outDirectory];
        if (!args.Contains("--url"))
        {
            all = [.. all, "--broker-dll", BrokerDll];
        }

        if (!args.Contains("--slow-core-retries"))
        {
            // Tests run side by side on a busy machine: a core that reads slow must not repeat a
            // run and change the count of runs a test expects. The tests of the repeat ask for it.
            all = [.. all, "--slow-core-retries", "0"];
        }

        return new LoadToolRun(outDirectory, LoadCommand.Run(all));
    }

    public JsonElement Row(string scenario, string server, string? variantContains = null) =>
        Medians.Single(r => r.GetProperty("scenario").GetString() == scenario && r.GetProperty("server").GetString() == server &&
                            (variantContains is null || r.GetProperty("variant").GetString()!.Contains(variantContains, StringComparison.Ordinal)));

    public void Dispose()
    {
        Results?.Dispose();
        try
        {
            Directory.Delete(OutDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
