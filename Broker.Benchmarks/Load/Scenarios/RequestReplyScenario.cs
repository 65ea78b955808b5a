using System.Diagnostics;
using MasterSocket.Benchmarks.Load.Clients;

namespace MasterSocket.Benchmarks.Load.Scenarios;

/// <summary>
/// request-reply: R requesters, each with <c>--request-window</c> requests outstanding (1 by default),
/// and a service group of S responders. Latency is the round trip (the reply echoes the request's
/// payload and so its timestamp).
/// <list type="bullet">
/// <item>MasterSocket: requesters (role service, so they may send to a group they are not in) send
/// EVENT to GROUP "svc"; the broker has no queue groups in v1, so all S services receive every request,
/// and only service <c>seq % S</c> answers with REPLY (same id, DIRECT to the request's <c>from</c>).
/// That is S + 1 deliveries per request.</item>
/// <item>NATS: responders SUB svc in queue group q (NATS gives each request to one of them);
/// requesters PUB svc with reply subject r.&lt;i&gt; and SUB r.&lt;i&gt;. That is 2 deliveries per request.</item>
/// </list>
/// </summary>
public sealed class RequestReplyScenario(LoadOptions options) : TrafficScenario
{
    private BenchClient[] _requesters = [];
    private BenchClient[] _services = [];
    private PreparedRoute[] _routes = [];
    private long[] _sent = [];
    private long[] _replied = [];
    private long[][] _pending = [];
    private int _pendingMask;
    private SequenceTracker[] _serviceTrackers = [];
    private long[][] _lastSeen = [];
    private byte[][] _payloads = [];
    private Lock[] _sendLocks = [];
    private RunContext _context = null!;
    private volatile bool _stopping;

    public override string Name => "request-reply";

    public override string Variant => $"{options.Requesters} requesters, {options.Services} services";

    public override string Description =>
        $"{options.Requesters} requesters with {options.RequestWindow} outstanding each, {options.Services} services, {options.PayloadBytes}-byte payload. " +
        $"MasterSocket: EVENT GROUP \"svc\" (all {options.Services} services get each request: no queue groups in v1), one answers with REPLY DIRECT; " +
        "NATS: PUB svc reply-to r.<i>, services in queue group q.";

    protected override int Connections => options.Requesters + options.Services;

    protected override string RateUnit => "req/s";

    protected override async Task SetUpAsync(RunContext context)
    {
        _context = context;
        var requesters = options.Requesters;
        var services = options.Services;
        var ring = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, options.RequestWindow * 64));
        _pendingMask = ring - 1;
        _requesters = new BenchClient[requesters];
        _sent = new long[requesters];
        _replied = new long[requesters];
        _pending = new long[requesters][];
        _payloads = new byte[requesters][];
        _sendLocks = new Lock[requesters];
        for (var i = 0; i < requesters; i++)
        {
            _requesters[i] = context.CreateClient(i, new ClientSpec { Name = $"requester-{i}", Service = true, Inbox = $"r.{i}" });
            _requesters[i].OnDelivery = OnReply;
            _pending[i] = new long[ring];
            Array.Fill(_pending[i], -1);
            _payloads[i] = Payload.CreateBuffer(options.PayloadBytes);
            _sendLocks[i] = new Lock();
        }

        _services = new BenchClient[services];
        _serviceTrackers = new SequenceTracker[services];
        _lastSeen = new long[services][];
        for (var k = 0; k < services; k++)
        {
            _services[k] = context.CreateClient(k, new ClientSpec { Name = $"service-{k}", Service = true, Group = "svc", QueueGroup = "q" });
            _services[k].OnDelivery = OnRequest;
            _serviceTrackers[k] = new SequenceTracker(requesters);
            _lastSeen[k] = new long[requesters];
            Array.Fill(_lastSeen[k], -1);
        }

        await context.ConnectAllAsync(_services, ReceiveBufferFor(options.PayloadBytes) * 4, Connections);
        await context.ConnectAllAsync(_requesters, ReceiveBufferFor(options.PayloadBytes), Connections);
        _routes = new PreparedRoute[requesters];
        for (var i = 0; i < requesters; i++)
        {
            _routes[i] = _requesters[i].Prepare(new Destination(DestinationKind.Group, "svc", $"r.{i}"));
        }
    }

    /// <summary>Each reply sends the next request from the receive loop, past any gate: it runs on its own.</summary>
    public override bool TakesTurns => false;

    protected override async Task PublishAsync(RunContext context, CancellationToken stop)
    {
        // Open every requester's window; from then on each reply sends the next request (OnReply).
        for (var i = 0; i < _requesters.Length; i++)
        {
            for (var k = 0; k < options.RequestWindow; k++)
            {
                SendRequest(i);
            }
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
            _stopping = true;
        }
    }

    /// <summary>Sends the requester's next request; called by the opening loop and by its receive loop (so under a lock).</summary>
    private void SendRequest(int requester)
    {
        lock (_sendLocks[requester])
        {
            var sequence = _sent[requester];
            var slot = sequence & _pendingMask;
            if (Volatile.Read(ref _pending[requester][slot]) >= 0)
            {
                _context.Verification.Fail($"requester-{requester}: request {_pending[requester][slot]} still unanswered {_pendingMask + 1} requests later");
                return;
            }

            Volatile.Write(ref _pending[requester][slot], sequence);
            Volatile.Write(ref _sent[requester], sequence + 1);
            var payload = _payloads[requester];
            Payload.Write(payload, requester, sequence, Stopwatch.GetTimestamp());
            _requesters[requester].Publish(_routes[requester], payload, sequence);
        }
    }

    private void OnRequest(BenchClient service, in Delivery request)
    {
        var verification = _context.Verification;
        if (!Payload.TryRead(request.Payload, out var requester, out var sequence, out _) || (uint)requester >= (uint)_requesters.Length)
        {
            verification.Fail($"{service.Spec.Name}: a request that is not the tool's");
            return;
        }

        var tracker = _serviceTrackers[service.Index];
        bool accepted;
        bool answer;
        if (_context.Server.Kind == ServerKind.MasterSocket)
        {
            // Every service gets every request, in order per requester.
            accepted = tracker.Accept(requester, sequence, verification, service.Spec.Name);
            answer = sequence % _services.Length == service.Index;
        }
        else
        {
            // A queue-group member gets some of each requester's requests, in increasing order.
            accepted = tracker.AcceptIncreasing(requester, sequence, verification, service.Spec.Name, ref _lastSeen[service.Index][requester]);
            answer = true;
        }

        if (accepted && answer)
        {
            service.Reply(request, request.Payload);
        }
    }

    private void OnReply(BenchClient client, in Delivery reply)
    {
        var verification = _context.Verification;
        var requester = client.Index;
        if (!Payload.TryRead(reply.Payload, out var sender, out var sequence, out var timestamp) || sender != requester)
        {
            verification.Fail($"{client.Spec.Name}: a reply that is not to its own request");
            return;
        }

        if (_context.Server.Kind == ServerKind.MasterSocket && !reply.IsReply)
        {
            verification.Fail($"{client.Spec.Name}: answer to seq {sequence} came as op {(reply.IsReply ? 5 : 0)}, not REPLY");
            return;
        }

        var slot = sequence & _pendingMask;
        if (Volatile.Read(ref _pending[requester][slot]) != sequence)
        {
            verification.Fail($"{client.Spec.Name}: reply to seq {sequence} arrived again or was never asked");
            return;
        }

        Volatile.Write(ref _pending[requester][slot], -1);
        Interlocked.Increment(ref _replied[requester]);
        _context.RecordLatency(timestamp, client.ReceivedAt);
        if (!_stopping)
        {
            SendRequest(requester);
        }
    }

    protected override long MessageCount()
    {
        long total = 0;
        foreach (var replied in _replied)
        {
            total += Volatile.Read(in replied);
        }

        return total;
    }

    protected override long DeliveryCount()
    {
        long total = 0;
        foreach (var client in _requesters)
        {
            total += client.Received;
        }

        foreach (var client in _services)
        {
            total += client.Received;
        }

        return total;
    }

    protected override bool IsDrained()
    {
        for (var i = 0; i < _sent.Length; i++)
        {
            if (Volatile.Read(ref _replied[i]) < Volatile.Read(ref _sent[i]))
            {
                return false;
            }
        }

        // MasterSocket: the services that did not answer must also have had every request.
        if (_context.Server.Kind == ServerKind.MasterSocket)
        {
            for (var k = 0; k < _services.Length; k++)
            {
                for (var i = 0; i < _sent.Length; i++)
                {
                    if (_serviceTrackers[k].Next(i) < Volatile.Read(ref _sent[i]))
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    protected override void VerifyComplete(RunContext context)
    {
        for (var i = 0; i < _sent.Length; i++)
        {
            var sent = Volatile.Read(ref _sent[i]);
            var replied = Volatile.Read(ref _replied[i]);
            if (replied != sent)
            {
                context.Verification.Fail($"requester-{i}: {replied} replies to {sent} requests");
            }

            if (context.Server.Kind == ServerKind.MasterSocket)
            {
                for (var k = 0; k < _services.Length; k++)
                {
                    if (_serviceTrackers[k].Next(i) != sent)
                    {
                        context.Verification.Fail($"service-{k}: got seq 0..{_serviceTrackers[k].Next(i) - 1} of requester-{i}'s {sent} requests");
                    }
                }
            }
            else
            {
                var handled = _serviceTrackers.Sum(t => t.Next(i));
                if (handled != sent)
                {
                    context.Verification.Fail($"services got {handled} of requester-{i}'s {sent} requests (each must reach exactly one)");
                }
            }
        }
    }
}
