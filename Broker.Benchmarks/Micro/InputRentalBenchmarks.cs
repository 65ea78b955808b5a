using BenchmarkDotNet.Attributes;
using MasterSocket.Broker.Transport;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Benchmarks.Micro;

/// <summary>
/// What a connection pays per read to borrow its receive input (pipe and frame reader) from the
/// node's <see cref="InputPipePool"/> and give it back, around the bytes themselves: a read whose
/// bytes were all parsed, and a busy connection's read that asked for its 64 KiB buffer and found
/// nothing (<see cref="InputPipePool.ReturnUnwritten"/>). Both must allocate nothing: the second
/// once left a pipe segment behind each time. The options are the broker's.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class InputRentalBenchmarks
{
    private readonly InputPipePool _pool = new(new System.IO.Pipelines.PipeOptions(
        readerScheduler: System.IO.Pipelines.PipeScheduler.Inline,
        writerScheduler: System.IO.Pipelines.PipeScheduler.Inline,
        pauseWriterThreshold: 0,
        resumeWriterThreshold: 0,
        useSynchronizationContext: false), maxMessageBytes: 1 << 20);

    private byte[] _frame = [];

    [GlobalSetup]
    public void Setup()
    {
        _frame = SampleMessage.MaskedFrame();
        SampleMessage.Check(ReadParsedToTheEnd() == ReadStatus.Message, "the frame was not read");
        BusyReadFoundNothing();
    }

    /// <summary>Rent, receive one frame, parse it, consume everything, return.</summary>
    [Benchmark(Baseline = true)]
    public ReadStatus ReadParsedToTheEnd()
    {
        var input = _pool.Rent();
        var writer = input.Pipe.Writer;
        _frame.CopyTo(writer.GetSpan(Connection.BusyReceive));
        writer.Advance(_frame.Length);
        SampleMessage.FlushNow(writer);
        if (!input.Pipe.Reader.TryRead(out var read))
        {
            SampleMessage.Fail("the frame was not there to read");
        }

        var buffer = read.Buffer;
        var status = input.Messages.TryRead(ref buffer, out _, out _);
        input.Pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
        _pool.Return(input);
        return status;
    }

    /// <summary>Rent, ask for the busy read's buffer, receive nothing, return.</summary>
    [Benchmark]
    public void BusyReadFoundNothing()
    {
        var input = _pool.Rent();
        _ = input.Pipe.Writer.GetMemory(Connection.BusyReceive);
        _pool.ReturnUnwritten(input);
    }
}
