using System.Diagnostics;
using System.IO.Pipelines;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Broker.Transport;

/// <summary>
/// The receive inputs (pipe and frame reader) of one node. A connection rents one when bytes arrive
/// and gives it back once it has parsed everything (no partial frame, no fragmented message left), so
/// an idle connection holds neither: a pipe with its reader, writer and segment pool is about half a
/// KiB, and the frame reader 48 bytes, a large share of what an idle connection costs. Renting and
/// returning allocate nothing once the pool is warm, so the per-message path stays allocation-free
/// (a miss allocates one input, which then stays in the pool).
/// </summary>
internal sealed class InputPipePool
{
    /// <summary>More than the pipes in use at once: one per connection in the middle of a read burst or a partial frame.</summary>
    private const int MaxPooled = 1024;

    private readonly LifoPool<ReceiveInput> _inputs = new(MaxPooled);
    private readonly PipeOptions _options;
    private readonly int _maxMessageBytes;

    public InputPipePool(PipeOptions options, int maxMessageBytes)
    {
        _options = options;
        _maxMessageBytes = maxMessageBytes;
    }

    public ReceiveInput Rent() =>
        _inputs.TryRent() ?? new ReceiveInput(new Pipe(_options), new MessageReader(_maxMessageBytes));

    /// <summary>
    /// <see cref="Return"/> for an input rented for a read that then found nothing (a busy connection
    /// that fell silent): its pipe holds an empty write buffer. Completing a pipe returns its buffers
    /// to the array pool but drops their segment objects, which a pipe pools only as its reader
    /// consumes them, so each such return left 96 bytes of garbage and the next rent allocated a new
    /// segment: 1.3 to 2.4 MB/s under the load tool's DIRECT traffic, and a 3 to 6 ms gen-0 collection
    /// every ~10 s (docs/benchmarks.md, "Allocation budgets in CI"). So the buffer
    /// goes back the way a pipe recycles it: one byte written, flushed and consumed (the pipe's only
    /// public way to release a write buffer without completing), then the usual return.
    /// </summary>
    public void ReturnUnwritten(ReceiveInput input)
    {
        var pipe = input.Pipe;
        pipe.Writer.Advance(1);
        var flush = pipe.Writer.FlushAsync();
        Debug.Assert(flush.IsCompletedSuccessfully, "the pipe has no pause threshold and an inline reader scheduler");
        flush.GetAwaiter().GetResult();
        if (pipe.Reader.TryRead(out var read))
        {
            pipe.Reader.AdvanceTo(read.Buffer.End);
        }

        Return(input);
    }

    /// <summary>
    /// Completes both ends of the pipe (it gives its buffers back to the array pool) and resets pipe and
    /// frame reader for their next connection. The caller must not touch either afterwards.
    /// </summary>
    public void Return(ReceiveInput input)
    {
        var pipe = input.Pipe;
        pipe.Writer.Complete();
        pipe.Reader.Complete();
        pipe.Reset();
        input.Messages.Reset();
        _inputs.TryReturn(input);
    }
}
