using System.Buffers;
using System.IO.Pipelines;
using MasterSocket.Broker.Transport;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// <see cref="InputPipePool"/>: lending a connection its pipe and frame reader for one read, and
/// taking them back, allocates nothing once the pool is warm, whether the read brought bytes or, as
/// for a busy connection that fell silent, asked for a buffer and found nothing. The options are the
/// broker's (<see cref="BrokerRuntime"/>).
/// </summary>
public sealed class InputPipePoolTests
{
    private const int Cycles = 1_000;

    private static readonly PipeOptions BrokerPipeOptions = new(
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 0,
        resumeWriterThreshold: 0,
        useSynchronizationContext: false);

    [Test]
    public void A_read_that_found_nothing_gives_its_buffer_back_without_leaving_garbage()
    {
        var pool = new InputPipePool(BrokerPipeOptions, maxMessageBytes: 1 << 20);

        void FoundNothing()
        {
            var input = pool.Rent();
            _ = input.Pipe.Writer.GetMemory(Connection.BusyReceive); // what a busy read asks for
            pool.ReturnUnwritten(input);
        }

        var allocated = AllocatedPerCycle(FoundNothing);

        // Completing the pipe with that buffer attached would drop its segment object, and the next
        // rent would allocate one (96 bytes a cycle).
        Assert.That(allocated, Is.Zero, "bytes allocated per busy read that found nothing");
    }

    [Test]
    public void A_read_whose_bytes_were_all_parsed_gives_everything_back_without_leaving_garbage()
    {
        var pool = new InputPipePool(BrokerPipeOptions, maxMessageBytes: 1 << 20);

        void ReadAndParse()
        {
            var input = pool.Rent();
            var writer = input.Pipe.Writer;
            writer.GetSpan(4096)[..300].Fill((byte)'x');
            writer.Advance(300);
            Flush(writer);
            if (!input.Pipe.Reader.TryRead(out var read) || read.Buffer.Length != 300)
            {
                throw new InvalidOperationException("the 300 bytes written were not there to read");
            }

            input.Pipe.Reader.AdvanceTo(read.Buffer.End);
            pool.Return(input);
        }

        Assert.That(AllocatedPerCycle(ReadAndParse), Is.Zero, "bytes allocated per read parsed to the end");
    }

    [Test]
    public void After_a_read_that_found_nothing_the_next_connection_reads_only_its_own_bytes()
    {
        var pool = new InputPipePool(BrokerPipeOptions, maxMessageBytes: 1 << 20);
        var quiet = pool.Rent();
        _ = quiet.Pipe.Writer.GetMemory(Connection.BusyReceive);
        pool.ReturnUnwritten(quiet);

        var next = pool.Rent();
        Assert.That(next, Is.SameAs(quiet), "the same input, lent again");
        next.Pipe.Writer.Write("abc"u8);
        Flush(next.Pipe.Writer);

        Assert.That(next.Pipe.Reader.TryRead(out var read), Is.True);
        Assert.That(read.Buffer.ToArray(), Is.EqualTo("abc"u8.ToArray()), "no byte of the released buffer is left in the pipe");
        next.Pipe.Reader.AdvanceTo(read.Buffer.End);
        pool.Return(next);
    }

    private static void Flush(PipeWriter writer)
    {
        var flush = writer.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("the broker's pipe never waits on a flush");
        }

        _ = flush.Result;
    }

    private static double AllocatedPerCycle(Action cycle)
    {
        for (var i = 0; i < 100; i++)
        {
            cycle(); // warm up: the pool, the pipe's segment pool and the array pool settle
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Cycles; i++)
        {
            cycle();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Cycles;
    }
}
