using System.Buffers;
using BenchmarkDotNet.Attributes;
using MasterSocket.Protocol.Envelopes;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Benchmarks.Micro;

/// <summary>
/// The send path: the frame that delivers the sample GROUP EVENT to its recipients (header and
/// envelope with <c>from</c> stamped, written once), and the broker's PONG. The output is one
/// reused <see cref="ArrayBufferWriter{T}"/>, reset before each write (which does not clear it).
/// The baseline copies the finished delivered frame into the same writer: the floor any encoder
/// writing those bytes through <see cref="IBufferWriter{T}"/> pays.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class EncodeBenchmarks
{
    private byte[] _payload = [];
    private Envelope _envelope;
    private byte[] _deliveredFrame = [];
    private ArrayBufferWriter<byte> _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        _payload = SampleMessage.Payload();
        SampleMessage.Check(EnvelopeReader.TryRead(_payload, out _envelope, out _), "sample envelope refused");
        _output = new ArrayBufferWriter<byte>(1024);
        WriteDelivered();
        _deliveredFrame = _output.WrittenSpan.ToArray();
        CheckDelivered(_deliveredFrame, _payload, _envelope);
    }

    [Benchmark(Baseline = true)]
    public int CopyDeliveredFrame()
    {
        _output.ResetWrittenCount();
        _output.Write(_deliveredFrame);
        return _output.WrittenCount;
    }

    /// <summary><see cref="EnvelopeWriter.WriteDelivered"/>: length pass, header, then the envelope fields.</summary>
    [Benchmark]
    public int WriteDelivered()
    {
        _output.ResetWrittenCount();
        return EnvelopeWriter.WriteDelivered(_output, _payload, _envelope, SampleMessage.From);
    }

    /// <summary><see cref="BrokerMessages.WritePong"/> answering a client's PING.</summary>
    [Benchmark]
    public int WritePong()
    {
        _output.ResetWrittenCount();
        return BrokerMessages.WritePong(_output, SampleMessage.PingId);
    }

    /// <summary>
    /// Checks that <paramref name="frame"/> is one unmasked final text frame whose envelope carries the
    /// sender's id, event, data and intent unchanged, and the stamped <c>from</c>.
    /// </summary>
    internal static void CheckDelivered(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> sent, in Envelope original)
    {
        SampleMessage.Check(FrameHeader.TryParse(frame, out var header, out _), "delivered frame header unreadable");
        SampleMessage.Check(
            header is { Fin: true, Opcode: FrameOpcode.Text, Masked: false } && header.HeaderLength + header.PayloadLength == frame.Length,
            "delivered frame is not one unmasked text frame");
        var payload = frame[header.HeaderLength..];
        SampleMessage.Check(EnvelopeReader.TryRead(payload, out var delivered, out _), "delivered envelope refused");
        SampleMessage.Check(
            delivered.Op == original.Op && delivered.Target == original.Target
            && delivered.Id.Of(payload).SequenceEqual(original.Id.Of(sent))
            && delivered.Event.Of(payload).SequenceEqual(original.Event.Of(sent))
            && delivered.Data.Of(payload).SequenceEqual(original.Data.Of(sent))
            && delivered.Identifier.Of(payload).SequenceEqual(original.Identifier.Of(sent)),
            "delivered envelope differs from the one sent");
        SampleMessage.Check(payload.EndsWith(",\"from\":\"client-7f3a9c\"}"u8), "delivered envelope lacks the stamped from");
    }
}
