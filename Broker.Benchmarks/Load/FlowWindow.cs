namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// Keeps a publisher at most <c>size</c> messages ahead of what has been fully delivered. The
/// publisher (one task) calls <see cref="Sent"/> and <see cref="WaitForRoomAsync"/>; receivers call
/// <see cref="Acknowledge"/> with the count of messages fully delivered so far. A waiting publisher
/// is woken once the backlog drops to the low-water mark (half the window), so it is woken once per
/// half-window rather than once per message, and then refills the whole window in one batch.
/// </summary>
public sealed class FlowWindow(int size)
{
    private readonly Lock _sync = new();
    private readonly int _lowWater = Math.Max(0, size / 2);
    private long _sent;
    private long _acknowledged;
    private TaskCompletionSource? _waiter;

    public int Size { get; } = size;

    public long SentCount => Volatile.Read(ref _sent);

    public long AcknowledgedCount => Volatile.Read(ref _acknowledged);

    /// <summary>How many more may be sent now.</summary>
    public int Room
    {
        get
        {
            lock (_sync)
            {
                return (int)Math.Max(0, Size - (_sent - _acknowledged));
            }
        }
    }

    public void Sent(int count)
    {
        lock (_sync)
        {
            _sent += count;
        }
    }

    /// <summary>Everything before <paramref name="deliveredCount"/> has reached every receiver.</summary>
    public void Acknowledge(long deliveredCount)
    {
        TaskCompletionSource? wake = null;
        lock (_sync)
        {
            if (deliveredCount <= _acknowledged)
            {
                return;
            }

            _acknowledged = deliveredCount;
            if (_waiter is not null && _sent - _acknowledged <= _lowWater)
            {
                wake = _waiter;
                _waiter = null;
            }
        }

        wake?.TrySetResult();
    }

    /// <summary>Completes when at least one message may be sent (at once if there is room now).</summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_sent - _acknowledged < Size)
            {
                return Task.CompletedTask;
            }

            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Completes when everything sent has been acknowledged, or throws on timeout/cancel.</summary>
    public async Task WaitForDrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_sync)
            {
                if (_acknowledged >= _sent)
                {
                    return;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException();
            }

            await Task.Delay(5, cancellationToken);
        }
    }
}
