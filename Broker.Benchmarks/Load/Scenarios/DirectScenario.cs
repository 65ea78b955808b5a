using System.Diagnostics;
using MasterSocket.Benchmarks.Load.Clients;

namespace MasterSocket.Benchmarks.Load.Scenarios;

/// <summary>
/// direct: P pairs; sender i sends DIRECT to receiver i's clientId (NATS: PUB d.i, receiver SUB d.i).
/// Closed loop (<paramref name="rate"/> null): each pair keeps up to <c>--window</c> messages in
/// flight. Paced: one ticker spreads <paramref name="rate"/> messages/s over the pairs every
/// millisecond, the window still bounding each pair, so latency is measured below saturation.
/// </summary>
public sealed class DirectScenario(LoadOptions options, double? rate) : TrafficScenario
{
    private BenchClient[] _senders = [];
    private BenchClient[] _receivers = [];
    private FlowWindow[] _windows = [];
    private SequenceTracker[] _trackers = [];
    private RunContext _context = null!;
    private Pacer? _pacer; // paced runs only

    public override string Name => "direct";

    public override string Variant => rate is { } r ? $"{options.Pairs} pairs, paced {r:0}/s" : $"{options.Pairs} pairs, max";

    public double? Rate => rate;

    public override string Description =>
        $"{options.Pairs} sender->receiver pairs, {options.PayloadBytes}-byte payload, " +
        (rate is null ? $"closed loop with {options.Window} in flight per pair" : "paced (the rate asked for is spread over the pairs every millisecond; at most 5 ms of it may be owed, older debt is dropped rather than sent as a burst, so msgs/s shows whether the rate was sustained)") +
        ". MasterSocket: EVENT DIRECT to the receiver's clientId; NATS: PUB d.<i>, receiver SUB d.<i>.";

    protected override int Connections => options.Pairs * 2;

    protected override async Task SetUpAsync(RunContext context)
    {
        _context = context;
        var pairs = options.Pairs;
        _senders = new BenchClient[pairs];
        _receivers = new BenchClient[pairs];
        _windows = new FlowWindow[pairs];
        _trackers = new SequenceTracker[pairs];
        for (var i = 0; i < pairs; i++)
        {
            _receivers[i] = context.CreateClient(i, new ClientSpec { Name = $"receiver-{i}", Inbox = $"d.{i}" });
            _receivers[i].OnDelivery = OnDelivery;
            _senders[i] = context.CreateClient(pairs + i, new ClientSpec { Name = $"sender-{i}" });
            _senders[i].OnDelivery = (BenchClient client, in Delivery _) => context.Verification.Fail($"{client.Spec.Name}: a sender received a message");
            _windows[i] = new FlowWindow(options.Window);
            _trackers[i] = new SequenceTracker(1);
        }

        await context.ConnectAllAsync(_receivers, ReceiveBufferFor(options.PayloadBytes), Connections);
        await context.ConnectAllAsync(_senders, 16 * 1024, Connections);
    }

    private void OnDelivery(BenchClient receiver, in Delivery delivery)
    {
        var verification = _context.Verification;
        if (!Payload.TryRead(delivery.Payload, out var sender, out var sequence, out var timestamp))
        {
            verification.Fail($"{receiver.Spec.Name}: a payload that is not the tool's");
            return;
        }

        if (sender != receiver.Index)
        {
            verification.Fail($"{receiver.Spec.Name}: misrouted: got seq {sequence} of sender-{sender}");
            return;
        }

        if (_trackers[sender].Accept(0, sequence, verification, receiver.Spec.Name))
        {
            _context.RecordLatency(timestamp, receiver.ReceivedAt);
            _windows[sender].Acknowledge(sequence + 1);
        }
    }

    protected override Task PublishAsync(RunContext context, CancellationToken stop)
    {
        var routes = new PreparedRoute[options.Pairs];
        for (var i = 0; i < routes.Length; i++)
        {
            routes[i] = _senders[i].Prepare(Destination.Direct(_receivers[i].Address));
        }

        return rate is { } r
            ? PacedAsync(routes, r, stop)
            : Task.WhenAll(Enumerable.Range(0, options.Pairs).Select(i => ClosedLoopAsync(i, routes[i], stop)));
    }

    private Task ClosedLoopAsync(int pair, PreparedRoute route, CancellationToken stop) =>
        _senders[pair].PublishWindowedAsync(route, _windows[pair], _context.Gate, senderIndex: pair, options.PayloadBytes, stop);

    private Task PacedAsync(PreparedRoute[] routes, double totalRate, CancellationToken stop)
    {
        var pairs = routes.Length;
        var payload = Payload.CreateBuffer(options.PayloadBytes);
        var sent = new long[pairs];
        long sentTotal = 0;
        long forgiven = 0;

        // At most 5 ms of traffic may be owed: a pacer that is behind (a stall of the server, the
        // tool, or the JIT's slow first seconds) forgets older debt instead of sending it as one
        // burst later, which would measure the queue of the burst, not the server at this rate.
        // Whether the rate was sustained shows in the msgs/s column, which counts what was sent.
        var maxDebt = (long)(totalRate * 0.005) + pairs;
        var gate = _context.Gate;
        long? start = null; // when the gate last opened: nothing is owed for the time it was closed

        void SendWhatIsDue()
        {
            if (!gate.TryEnter())
            {
                start = null;
                return;
            }

            try
            {
                SendWhatIsDueNow();
            }
            finally
            {
                gate.Exit();
            }
        }

        void SendWhatIsDueNow()
        {
            if (start is null)
            {
                start = Stopwatch.GetTimestamp();
                forgiven = -sentTotal; // owed from here: what was sent before is not counted again
            }

            var due = (long)(Stopwatch.GetElapsedTime(start.Value).TotalSeconds * totalRate) - forgiven;
            if (due - sentTotal > maxDebt)
            {
                forgiven += due - sentTotal - maxDebt;
                due = sentTotal + maxDebt;
            }

            for (var i = 0; i < pairs; i++)
            {
                // Pair i's share of the messages due so far (the remainder goes to the first pairs).
                var target = (due / pairs) + (i < due % pairs ? 1 : 0);
                var count = (int)Math.Min(target - sent[i], _windows[i].Room);
                if (count <= 0)
                {
                    continue;
                }

                _windows[i].Sent(count);
                for (var k = 0; k < count; k++)
                {
                    Payload.Write(payload, i, sent[i], Stopwatch.GetTimestamp());
                    _senders[i].Publish(routes[i], payload, sent[i], flush: k == count - 1);
                    sent[i]++;
                }

                sentTotal += count;
            }
        }

        _pacer = new Pacer(() => _context.Recording);
        return _pacer.RunAsync(SendWhatIsDue, stop);
    }

    /// <summary>Paced: how evenly the pacer ticked in the window (a late tick sends its backlog at once).</summary>
    protected override RunResult WithScenarioFigures(RunResult result) =>
        _pacer is { Gaps.Count: > 0 } pacer
            ? result with
            {
                PacerTickP50Micros = pacer.Gaps.PercentileNanos(50) / 1000.0,
                PacerTickP99Micros = pacer.Gaps.PercentileNanos(99) / 1000.0,
            }
            : result;

    protected override long MessageCount()
    {
        long total = 0;
        foreach (var window in _windows)
        {
            total += window.SentCount;
        }

        return total;
    }

    protected override long DeliveryCount()
    {
        long total = 0;
        foreach (var receiver in _receivers)
        {
            total += receiver.Received;
        }

        return total;
    }

    protected override bool IsDrained() => _windows.All(w => w.AcknowledgedCount >= w.SentCount);

    protected override void VerifyComplete(RunContext context)
    {
        for (var i = 0; i < _windows.Length; i++)
        {
            var sent = _windows[i].SentCount;
            var got = _trackers[i].Next(0);
            if (got != sent)
            {
                context.Verification.Fail($"receiver-{i}: received seq 0..{got - 1} of {sent} sent by sender-{i}");
            }
        }
    }
}
