using System.Collections.Concurrent;
using MasterSocket.Broker.Sessions;

namespace MasterSocket.Broker.Routing;

/// <summary>The embedded registry: everything in this process's memory.</summary>
public sealed class LocalClientRegistry : IClientRegistry
{
    private readonly ConcurrentDictionary<string, Session> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MemberSet> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Session>.AlternateLookup<ReadOnlySpan<char>> _clientsBySpan;
    private readonly ConcurrentDictionary<string, MemberSet>.AlternateLookup<ReadOnlySpan<char>> _groupsBySpan;
    private readonly Lock _groupChanges = new();

    public LocalClientRegistry()
    {
        _clientsBySpan = _clients.GetAlternateLookup<ReadOnlySpan<char>>();
        _groupsBySpan = _groups.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _clients.Count;

    public MemberSet Everyone { get; } = new();

    public void Register(Session session)
    {
        _clients[session.ClientId] = session;
        lock (_groupChanges)
        {
            foreach (var group in session.Groups)
            {
                _groups.GetOrAdd(group, static _ => new MemberSet()).Add(session);
            }
        }

        Everyone.Add(session);
    }

    public void Unregister(Session session)
    {
        Everyone.Remove(session);
        _clients.TryRemove(new KeyValuePair<string, Session>(session.ClientId, session));
        lock (_groupChanges)
        {
            foreach (var group in session.Groups)
            {
                if (_groups.TryGetValue(group, out var members) && members.Remove(session) == 0)
                {
                    _groups.TryRemove(group, out _); // empty groups do not accumulate
                }
            }
        }
    }

    public bool TryFindLocal(ReadOnlySpan<char> clientId, out Session? session) => _clientsBySpan.TryGetValue(clientId, out session);

    public MemberSet? LocalGroup(ReadOnlySpan<char> group) => _groupsBySpan.TryGetValue(group, out var members) ? members : null;
}
