using MasterSocket.Benchmarks.Load.Clients;

namespace MasterSocket.Benchmarks.Load.Scenarios;

/// <summary>fanout: one service publishes EVENTs to GROUP "fanout"; the members are clients in that group (NATS: SUB fanout).</summary>
public sealed class FanoutScenario(LoadOptions options, int recipients) : BroadcastScenario(options, recipients)
{
    public override string Name => "fanout";

    public override string Description =>
        $"1 publisher -> {Recipients} members, {Options.PayloadBytes}-byte payload, window {Options.Window}. " +
        "MasterSocket: EVENT to GROUP \"fanout\" from a service; NATS: PUB fanout, members SUB fanout.";

    protected override Destination Target => Destination.Group("fanout");

    protected override ClientSpec MemberSpec(int index) => new() { Name = $"member-{index}", Group = "fanout" };
}
