using System.Buffers;
using BenchmarkDotNet.Attributes;
using MasterSocket.Protocol.Envelopes;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Benchmarks.Micro;

/// <summary>
/// One message through the whole codec: the 200-byte masked frame in, its envelope read, the
/// delivered frame (with <c>from</c>) written out. As in <see cref="ParseBenchmarks"/>, the frame is
/// re-masked after each invocation (see <see cref="ParseBenchmarks.RestoreMask"/> for that cost).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ParseAndEncodeBenchmarks
{
    private byte[] _frame = [];
    private byte[] _pristine = [];
    private MessageReader _reader = null!;
    private ArrayBufferWriter<byte> _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pristine = SampleMessage.MaskedFrame();
        _frame = (byte[])_pristine.Clone();
        _reader = new MessageReader(maxMessageBytes: 64 * 1024);
        _output = new ArrayBufferWriter<byte>(1024);
        ReceiveAndDeliver();
        var sent = SampleMessage.Payload();
        SampleMessage.Check(EnvelopeReader.TryRead(sent, out var envelope, out _), "sample envelope refused");
        EncodeBenchmarks.CheckDelivered(_output.WrittenSpan, sent, envelope);
        SampleMessage.Check(_frame.AsSpan().SequenceEqual(_pristine), "restoring the mask did not restore the frame");
    }

    [GlobalCleanup]
    public void Cleanup() =>
        SampleMessage.Check(_frame.AsSpan().SequenceEqual(_pristine), "the frame was not restored after every parse");

    [Benchmark]
    public int ReceiveAndDeliver()
    {
        var buffer = new ReadOnlySequence<byte>(_frame);
        var status = _reader.TryRead(ref buffer, out var message, out _);
        var payload = message.Payload.FirstSpan;
        var read = EnvelopeReader.TryRead(payload, out var envelope, out _);
        SampleMessage.Check(status == ReadStatus.Message && read, "frame or envelope not read");
        _output.ResetWrittenCount();
        var written = EnvelopeWriter.WriteDelivered(_output, payload, envelope, SampleMessage.From);
        Masking.Apply(_frame.AsSpan(SampleMessage.HeaderBytes), SampleMessage.MaskKey); // after the write: it read the payload
        return written;
    }
}
