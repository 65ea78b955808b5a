using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using MasterSocket.Broker.Routing;
using MasterSocket.Broker.Sessions;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Benchmarks.Micro;

/// <summary>
/// The whole path of one message without sockets: a masked 200-byte text frame in, its envelope
/// read by the sender's real <see cref="Session"/>, routed by the real router to a GROUP of
/// <see cref="Recipients"/>, the delivered frame encoded once and queued on every member, then
/// taken off every queue and released (what each connection's send loop does before its send call).
/// <see cref="DirectFrameInRouteQueued"/> does the same for a DIRECT to one member, looked up by
/// clientId in a registry of <see cref="Recipients"/> + 1 clients.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class RoutingBenchmarks
{
    private const uint MaskKey = 0x37FA213D;

    private readonly List<InMemoryConnection> _members = [];
    private Session _sender = null!;
    private MessageReader _reader = null!;
    private byte[] _frame = [];
    private int _headerLength;
    private byte[] _directFrame = [];
    private int _directHeaderLength;

    [Params(1, 100, 10_000)]
    public int Recipients { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var broker = new InMemoryBroker();
        _sender = broker.Identify("publisher", "service").Session;
        for (var i = 0; i < Recipients; i++)
        {
            _members.Add(broker.Identify($"member-{i}", "client", "room").Connection);
        }

        var pad = new string('x', 100);
        (_frame, _headerLength) = MaskedFrame($$$"""{"id":"m-1","op":0,"event":"TICK","data":{"seq":1,"pad":"{{{pad}}}"},"intent":{"target":"GROUP","identifier":"room"}}""");
        var target = Encoding.UTF8.GetString(broker.Registry.Everyone.Snapshot().First(s => s.Name == "member-0").ClientIdUtf8);
        (_directFrame, _directHeaderLength) = MaskedFrame($$$"""{"id":"m-1","op":0,"event":"TICK","data":{"seq":1,"pad":"{{{pad}}}"},"intent":{"target":"DIRECT","identifier":"{{{target}}}"}}""");
        _reader = new MessageReader(64 * 1024);

        var delivered = FrameInRouteQueued();
        if (delivered != Recipients)
        {
            throw new InvalidOperationException($"routed to {delivered} of {Recipients} members");
        }

        if (TenFramesInOneReadRouteQueued() != 10 * Recipients)
        {
            throw new InvalidOperationException("a read of ten did not reach every member ten times");
        }

        if (DirectFrameInRouteQueued() != 1)
        {
            throw new InvalidOperationException("the DIRECT message did not arrive");
        }

        if (TenDirectFramesInOneReadRouteQueued() != 10)
        {
            throw new InvalidOperationException("a read of ten DIRECT messages did not arrive");
        }
    }

    private static (byte[] Frame, int HeaderLength) MaskedFrame(string json)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteMasked(output, FrameOpcode.Text, payload, MaskKey);
        return (output.WrittenSpan.ToArray(), output.WrittenCount - payload.Length);
    }

    [Benchmark]
    public int FrameInRouteQueued()
    {
        Receive(_frame, _headerLength);
        return DrainMembers();
    }

    /// <summary>
    /// <see cref="FrameInRouteQueued"/> for ten frames that arrive in one read, as a busy publisher's
    /// do: the read's broadcasts are queued on each member together at its end
    /// (<see cref="ReadBatch"/>). Per message, compare a tenth of it with <see cref="FrameInRouteQueued"/>.
    /// </summary>
    [Benchmark]
    public int TenFramesInOneReadRouteQueued()
    {
        ReceiveTenInOneRead(_frame, _headerLength);
        return DrainMembers();
    }

    [Benchmark]
    public int DirectFrameInRouteQueued()
    {
        Receive(_directFrame, _directHeaderLength);
        return _members[0].Drain();
    }

    /// <summary>
    /// <see cref="DirectFrameInRouteQueued"/> for ten frames to the same client in one read, as a busy
    /// sender's DIRECT stream arrives: the first is held as its own frame, the next nine are written
    /// straight into one frame with it (<see cref="ReadBatch"/>), queued once at the read's end.
    /// </summary>
    [Benchmark]
    public int TenDirectFramesInOneReadRouteQueued()
    {
        ReceiveTenInOneRead(_directFrame, _directHeaderLength);
        return _members[0].Drain();
    }

    /// <summary>Reads the masked frame, routes its envelope as the sender's, and masks it again for the next call (it is unmasked in place).</summary>
    private void Receive(byte[] frame, int headerLength)
    {
        var buffer = new ReadOnlySequence<byte>(frame);
        _reader.TryRead(ref buffer, out var message, out _);
        _sender.OnMessage(message.Payload.FirstSpan);
        Masking.Apply(frame.AsSpan(headerLength), MaskKey);
    }

    /// <summary>Ten <see cref="Receive"/>s inside one read, as the receive loop brackets them.</summary>
    private void ReceiveTenInOneRead(byte[] frame, int headerLength)
    {
        ReadBatch.Open();
        for (var i = 0; i < 10; i++)
        {
            Receive(frame, headerLength);
        }

        ReadBatch.Close();
    }

    /// <summary>Takes everything queued off every member's queue, as each send loop would; returns the messages.</summary>
    private int DrainMembers()
    {
        var delivered = 0;
        foreach (var member in _members)
        {
            delivered += member.Drain();
        }

        return delivered;
    }
}
