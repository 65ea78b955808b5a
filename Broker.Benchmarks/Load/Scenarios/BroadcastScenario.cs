using System.Diagnostics;
using MasterSocket.Benchmarks.Load.Clients;

namespace MasterSocket.Benchmarks.Load.Scenarios;

/// <summary>
/// One publisher, N receivers that each get every message: a GROUP (<see cref="FanoutScenario"/>) or
/// GLOBAL (<see cref="GlobalScenario"/>). The publisher stays at most <c>--window</c> messages ahead of
/// the slowest receiver: each receiver counts its arrival in a ring slot per sequence number, and the
/// receiver whose arrival completes a message acknowledges it to the publisher's <see cref="FlowWindow"/>.
/// Every receiver checks that the sequence numbers arrive from 0 up, each exactly once.
/// </summary>
public abstract class BroadcastScenario(LoadOptions options, int recipients) : TrafficScenario
{
    protected LoadOptions Options { get; } = options;

    private FlowWindow _window = null!;
    private int[] _arrivals = [];
    private int _ringMask;
    private BenchClient _publisher = null!;
    private BenchClient[] _members = [];
    private SequenceTracker[] _trackers = [];
    private RunContext _context = null!;

    public int Recipients { get; } = recipients;

    public override string Variant => $"{Recipients} {(Name == "global" ? "clients" : "members")}";

    protected override int Connections => Recipients + 1;

    /// <summary>How a receiver is set up to get the broadcast.</summary>
    protected abstract ClientSpec MemberSpec(int index);

    /// <summary>Where the publisher sends.</summary>
    protected abstract Destination Target { get; }

    protected override async Task SetUpAsync(RunContext context)
    {
        _context = context;
        _window = new FlowWindow(Options.Window);
        var ring = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2 * Options.Window, 64));
        _arrivals = new int[ring];
        _ringMask = ring - 1;

        _members = new BenchClient[Recipients];
        _trackers = new SequenceTracker[Recipients];
        for (var i = 0; i < Recipients; i++)
        {
            var member = context.CreateClient(i, MemberSpec(i));
            member.OnDelivery = OnDelivery;
            _members[i] = member;
            _trackers[i] = new SequenceTracker(1);
        }

        _publisher = context.CreateClient(Recipients, new ClientSpec { Name = "publisher", Service = true });
        _publisher.OnDelivery = (BenchClient client, in Delivery _) => context.Verification.Fail($"{client.Spec.Name}: received a message it should not (echo of its own broadcast?)");
        await context.ConnectAllAsync(_members, ReceiveBufferFor(Options.PayloadBytes), Connections);
        await context.ConnectAllAsync([_publisher], 16 * 1024, Connections);
    }

    private void OnDelivery(BenchClient member, in Delivery delivery)
    {
        if (!Payload.TryRead(delivery.Payload, out var sender, out var sequence, out var timestamp))
        {
            _context.Verification.Fail($"{member.Spec.Name}: a payload that is not the tool's: {System.Text.Encoding.ASCII.GetString(delivery.Payload)}");
            return;
        }

        if (!_trackers[member.Index].Accept(sender, sequence, _context.Verification, member.Spec.Name))
        {
            return;
        }

        _context.RecordLatency(timestamp, member.ReceivedAt);
        if (Interlocked.Increment(ref _arrivals[sequence & _ringMask]) == Recipients)
        {
            // Every member has this message, and (each member receiving in order) every one before it.
            Volatile.Write(ref _arrivals[sequence & _ringMask], 0);
            _window.Acknowledge(sequence + 1);
        }
    }

    protected override Task PublishAsync(RunContext context, CancellationToken stop) =>
        _publisher.PublishWindowedAsync(_publisher.Prepare(Target), _window, context.Gate, senderIndex: 0, Options.PayloadBytes, stop);

    protected override long MessageCount() => _window.SentCount;

    protected override long DeliveryCount()
    {
        long total = 0;
        foreach (var member in _members)
        {
            total += member.Received;
        }

        return total;
    }

    protected override bool IsDrained() => _window.AcknowledgedCount >= _window.SentCount;

    protected override void VerifyComplete(RunContext context)
    {
        var sent = _window.SentCount;
        for (var i = 0; i < _members.Length; i++)
        {
            var got = _trackers[i].Next(0);
            if (got != sent)
            {
                context.Verification.Fail($"{_members[i].Spec.Name}: received seq 0..{got - 1} of {sent} sent (seq {got}.. missing)");
            }
        }
    }
}
