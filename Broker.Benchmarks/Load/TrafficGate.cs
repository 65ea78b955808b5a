namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// Lets a scenario's publishers send only while it is open (<c>--interleave</c>: the two servers'
/// publishers take turns). A publisher sends each batch between <see cref="TryEnter"/> and
/// <see cref="Exit"/>; <see cref="Close"/> returns only once no batch is being sent, so after it
/// nothing more is sent until <see cref="Open"/>, and what is in flight can be drained and counted
/// in the turn that sent it. Open from the start unless made closed.
/// </summary>
public sealed class TrafficGate(bool open = true)
{
    private readonly Lock _sync = new();
    private volatile bool _open = open;
    private int _inside;
    private TaskCompletionSource _opened = NewOpened(open);

    public bool IsOpen => _open;

    /// <summary>True, and counted as sending until <see cref="Exit"/>, when the gate is open; false otherwise.</summary>
    public bool TryEnter()
    {
        Interlocked.Increment(ref _inside);
        if (_open)
        {
            return true;
        }

        Interlocked.Decrement(ref _inside);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _inside);

    /// <summary>Completes when the gate is open.</summary>
    public Task WaitOpenAsync(CancellationToken cancellationToken)
    {
        if (_open)
        {
            return Task.CompletedTask; // every batch of a run without turns: no lock (TryEnter decides anyway)
        }

        lock (_sync)
        {
            return _open ? Task.CompletedTask : _opened.Task.WaitAsync(cancellationToken);
        }
    }

    public void Open()
    {
        TaskCompletionSource opened;
        lock (_sync)
        {
            _open = true;
            opened = _opened;
        }

        opened.TrySetResult();
    }

    /// <summary>Closes the gate and waits until every batch that got in before has been sent.</summary>
    public void Close()
    {
        lock (_sync)
        {
            if (_open)
            {
                _opened = NewOpened(open: false);
            }

            _open = false;
        }

        // Both sides fence between their write and their read (Interlocked.Increment in TryEnter,
        // this barrier here): a publisher either sees the gate closed, or is counted before it sends.
        Interlocked.MemoryBarrier();
        var spin = new SpinWait();
        while (Volatile.Read(ref _inside) != 0)
        {
            spin.SpinOnce();
        }
    }

    private static TaskCompletionSource NewOpened(bool open)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (open)
        {
            source.SetResult();
        }

        return source;
    }
}
