namespace MasterSocket.Benchmarks.Load.Scenarios;

/// <summary>One workload with fixed parameters (one row per server in the report).</summary>
public abstract class Scenario
{
    /// <summary>The scenario's name on the command line: fanout, global, direct, request-reply, idle.</summary>
    public abstract string Name { get; }

    /// <summary>What distinguishes this instance, e.g. "1000 members".</summary>
    public abstract string Variant { get; }

    /// <summary>How the scenario maps onto each server, printed above its table.</summary>
    public abstract string Description { get; }

    /// <summary>Runs once against the server in <paramref name="context"/>; throws <see cref="LoadRunFailedException"/> on any loss.</summary>
    public abstract Task<RunResult> RunAsync(RunContext context);

    protected RunResult NewResult(RunContext context, int connections, string rateUnit = "msgs/s") => new()
    {
        Scenario = Name,
        Variant = Variant,
        Server = context.Server.Kind,
        Connections = connections,
        RateUnit = rateUnit,
    };

    protected static int ReceiveBufferFor(int payloadBytes) => Math.Max(8 * 1024, payloadBytes * 32);
}
