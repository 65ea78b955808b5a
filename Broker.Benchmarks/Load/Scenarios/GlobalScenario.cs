using MasterSocket.Benchmarks.Load.Clients;

namespace MasterSocket.Benchmarks.Load.Scenarios;

/// <summary>global: one service publishes GLOBAL EVENTs; every other identified client gets each (NATS: all SUB global).</summary>
public sealed class GlobalScenario(LoadOptions options, int recipients) : BroadcastScenario(options, recipients)
{
    public override string Name => "global";

    public override string Description =>
        $"1 publisher -> GLOBAL to {Recipients} identified clients, {Options.PayloadBytes}-byte payload, window {Options.Window}. " +
        "MasterSocket: EVENT GLOBAL from a service; NATS: PUB global, clients SUB global.";

    protected override Destination Target => Destination.Global();

    protected override ClientSpec MemberSpec(int index) => new() { Name = $"client-{index}", GlobalMember = true };
}
