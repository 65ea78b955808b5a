using System.IO.Pipelines;

namespace MasterSocket.Broker.Transport;

/// <summary>
/// The receive pipes of one node. A connection rents a pipe when bytes arrive and gives it back once
/// it has parsed everything (no partial frame left), so an idle connection holds no pipe: a pipe with
/// its reader, writer and segment pool is about half a KiB, a large share of what an idle connection
/// costs. Renting and returning allocate nothing once the pool is warm, so the per-message path stays
/// allocation-free (a miss allocates one pipe, which then stays in the pool).
/// </summary>
internal sealed class InputPipePool
{
    /// <summary>More than the pipes in use at once: one per connection in the middle of a read burst or a partial frame.</summary>
    private const int MaxPooled = 1024;

    private readonly LifoPool<Pipe> _pipes = new(MaxPooled);
    private readonly PipeOptions _options;

    public InputPipePool(PipeOptions options) => _options = options;

    public Pipe Rent() => _pipes.TryRent() ?? new Pipe(_options);

    /// <summary>
    /// Completes both ends (the pipe gives its buffers back to the array pool) and resets the pipe for
    /// its next connection. The caller must not touch the pipe, its reader or its writer afterwards.
    /// </summary>
    public void Return(Pipe pipe)
    {
        pipe.Writer.Complete();
        pipe.Reader.Complete();
        pipe.Reset();
        _pipes.TryReturn(pipe);
    }
}
