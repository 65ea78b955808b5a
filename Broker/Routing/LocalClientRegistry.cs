using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using MasterSocket.Broker.Sessions;

namespace MasterSocket.Broker.Routing;

/// <summary>The embedded registry: everything in this process's memory.</summary>
public sealed class LocalClientRegistry : IClientRegistry
{
    private readonly ConcurrentDictionary<Utf8Key, Session> _clients = new(Utf8KeyComparer.Instance);
    private readonly ConcurrentDictionary<string, MemberSet> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Utf8Key, Session>.AlternateLookup<ReadOnlySpan<byte>> _clientsBySpan;
    private readonly ConcurrentDictionary<string, MemberSet>.AlternateLookup<ReadOnlySpan<char>> _groupsBySpan;
    private readonly Lock _groupChanges = new();

    public LocalClientRegistry()
    {
        _clientsBySpan = _clients.GetAlternateLookup<ReadOnlySpan<byte>>();
        _groupsBySpan = _groups.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _clients.Count;

    public MemberSet Everyone { get; } = new();

    public void Register(Session session)
    {
        _clients[new Utf8Key(session.ClientIdUtf8)] = session; // the session's own array: no copy
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
        _clients.TryRemove(new KeyValuePair<Utf8Key, Session>(new Utf8Key(session.ClientIdUtf8), session));
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

    public bool TryFindLocal(ReadOnlySpan<byte> clientIdUtf8, [NotNullWhen(true)] out Session? session) => _clientsBySpan.TryGetValue(clientIdUtf8, out session);

    public MemberSet? LocalGroup(ReadOnlySpan<char> group) => _groupsBySpan.TryGetValue(group, out var members) ? members : null;
}
