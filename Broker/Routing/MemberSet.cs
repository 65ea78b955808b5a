using MasterSocket.Broker.Sessions;

namespace MasterSocket.Broker.Routing;

/// <summary>
/// A set of sessions (a group, or everyone) that fan-out iterates without a lock: changes go to a
/// HashSet under a lock and drop the cached array; the next broadcast builds a new array once and
/// every broadcast after it reuses it. Joins and leaves are rare next to messages, so this trades a
/// copy per change for allocation-free iteration per message.
/// </summary>
public sealed class MemberSet
{
    private readonly HashSet<Session> _members = [];
    private readonly Lock _sync = new();
    private Session[]? _snapshot;

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _members.Count;
            }
        }
    }

    public void Add(Session session)
    {
        lock (_sync)
        {
            if (_members.Add(session))
            {
                _snapshot = null;
            }
        }
    }

    /// <summary>Removes a member; returns the number left.</summary>
    public int Remove(Session session)
    {
        lock (_sync)
        {
            if (_members.Remove(session))
            {
                _snapshot = null;
            }

            return _members.Count;
        }
    }

    /// <summary>The members at this moment; the array is shared and must not be changed.</summary>
    public Session[] Snapshot()
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is not null)
        {
            return snapshot;
        }

        lock (_sync)
        {
            return _snapshot ??= [.. _members];
        }
    }
}
