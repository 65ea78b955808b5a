using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using MasterSocket.Protocol.Envelopes;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Benchmarks.Micro;

/// <summary>
/// The raw-pipe baseline: the 200-byte frame written into a <see cref="Pipe"/> and read back
/// (GetSpan/Advance, FlushAsync, ReadAsync, AdvanceTo) without parsing, which is the floor every
/// received message pays before the codec sees it. Beside it, the same round trip with the
/// receive path, and with the receive path and the delivered frame, on the pipe's own buffer as
/// the broker will run them. Here each invocation writes a fresh masked copy into the pipe, so
/// nothing needs restoring. Every await completes synchronously (data is always there, the pipe
/// never fills) and its result is taken directly.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PipeBenchmarks
{
    private byte[] _frame = [];
    private Pipe _pipe = null!;
    private MessageReader _reader = null!;
    private ArrayBufferWriter<byte> _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        _frame = SampleMessage.MaskedFrame();
        _pipe = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            useSynchronizationContext: false));
        _reader = new MessageReader(maxMessageBytes: 64 * 1024);
        _output = new ArrayBufferWriter<byte>(1024);
        SampleMessage.Check(RawPipe() == SampleMessage.FrameBytes, "raw pipe lost bytes");
        SampleMessage.Check(PipeThenParse() > 0, "pipe then parse failed");
        SampleMessage.Check(PipeThenParseAndEncode() > 0, "pipe then parse and encode failed");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pipe.Writer.Complete();
        _pipe.Reader.Complete();
    }

    [Benchmark(Baseline = true)]
    public long RawPipe()
    {
        var buffer = WriteAndRead();
        var length = buffer.Length;
        _pipe.Reader.AdvanceTo(buffer.End);
        return length;
    }

    /// <summary>Pipe round trip, then the frame and envelope readers on the pipe's buffer.</summary>
    [Benchmark]
    public int PipeThenParse()
    {
        var buffer = WriteAndRead();
        var consumed = buffer;
        var status = _reader.TryRead(ref consumed, out var message, out _);
        var read = EnvelopeReader.TryRead(message.Payload.FirstSpan, out var envelope, out _);
        _pipe.Reader.AdvanceTo(consumed.Start, buffer.End);
        SampleMessage.Check(status == ReadStatus.Message && read && consumed.IsEmpty, "frame or envelope not read");
        return envelope.Data.Length;
    }

    /// <summary>Pipe round trip, receive path, then the delivered frame written out.</summary>
    [Benchmark]
    public int PipeThenParseAndEncode()
    {
        var buffer = WriteAndRead();
        var consumed = buffer;
        var status = _reader.TryRead(ref consumed, out var message, out _);
        var payload = message.Payload.FirstSpan;
        var read = EnvelopeReader.TryRead(payload, out var envelope, out _);
        SampleMessage.Check(status == ReadStatus.Message && read && consumed.IsEmpty, "frame or envelope not read");
        _output.ResetWrittenCount();
        var written = EnvelopeWriter.WriteDelivered(_output, payload, envelope, SampleMessage.From);
        _pipe.Reader.AdvanceTo(consumed.Start, buffer.End);
        return written;
    }

    private ReadOnlySequence<byte> WriteAndRead()
    {
        var writer = _pipe.Writer;
        _frame.CopyTo(writer.GetSpan(_frame.Length));
        writer.Advance(_frame.Length);
        SampleMessage.FlushNow(writer);

        var read = _pipe.Reader.ReadAsync();
        if (read.IsCompletedSuccessfully)
        {
            return read.Result.Buffer;
        }

        SampleMessage.Fail("read did not complete synchronously");
        return default;
    }
}
