using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MasterSocket.Broker.Options;
using MasterSocket.Protocol.Envelopes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MasterSocket.Broker.Auth;

/// <summary>
/// JWTs (PROTOCOL.md 6), validated by Microsoft.IdentityModel: HS256 with <c>Auth:Jwt:Secret</c> or
/// RS256 with <c>Auth:Jwt:PublicKeyPem</c>. Exactly one algorithm is accepted, so <c>alg: none</c>
/// and algorithm confusion (an HS256 token signed with the RSA public key) are refused.
/// <c>exp</c> is required; <c>iss</c> and <c>aud</c> are checked when configured.
/// </summary>
public sealed class JwtAuthenticator : IAuthenticator, IDisposable
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;
    private readonly RSA? _rsa;

    public JwtAuthenticator(JwtOptions options)
    {
        SecurityKey key;
        string algorithm;
        if (!string.IsNullOrEmpty(options.Secret))
        {
            key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.Secret));
            algorithm = SecurityAlgorithms.HmacSha256;
        }
        else
        {
            _rsa = RSA.Create();
            _rsa.ImportFromPem(options.PublicKeyPem);
            key = new RsaSecurityKey(_rsa);
            algorithm = SecurityAlgorithms.RsaSha256;
        }

        _parameters = new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidAlgorithms = [algorithm],
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = options.ClockSkew,
            ValidateIssuer = !string.IsNullOrEmpty(options.Issuer),
            ValidIssuer = options.Issuer,
            ValidateAudience = !string.IsNullOrEmpty(options.Audience),
            ValidAudience = options.Audience,
        };
    }

    public async ValueTask<AuthResult> AuthenticateAsync(IdentifyRequest request)
    {
        if (string.IsNullOrEmpty(request.Token))
        {
            return AuthResult.Fail("a token is required");
        }

        var result = await _handler.ValidateTokenAsync(request.Token, _parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return AuthResult.Fail(Describe(result.Exception));
        }

        var token = (JsonWebToken)result.SecurityToken;
        token.TryGetPayloadValue<string>("sub", out var subject);
        token.TryGetPayloadValue<string>("role", out var roleClaim);
        if (!Roles.TryParse(roleClaim, out var role))
        {
            return AuthResult.Fail("the token's role claim must be 'service' or 'client'");
        }

        return AuthResult.Ok(new Identity(subject, role, new GroupPatterns(GroupsClaim(token))));
    }

    /// <summary>The <c>groups</c> claim: an array of names or patterns (a single string is accepted too).</summary>
    private static List<string> GroupsClaim(JsonWebToken token)
    {
        if (token.TryGetPayloadValue<string[]>("groups", out var many) && many is not null)
        {
            return [.. many.Where(GroupPatterns.IsValidPattern)];
        }

        if (token.TryGetPayloadValue<string>("groups", out var one) && GroupPatterns.IsValidPattern(one))
        {
            return [one];
        }

        return [];
    }

    /// <summary>A reason a client may be told: which check failed, never the token.</summary>
    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "token expired",
        SecurityTokenNotYetValidException => "token not yet valid",
        SecurityTokenNoExpirationException => "token has no exp claim",
        SecurityTokenInvalidIssuerException => "token issuer is not accepted",
        SecurityTokenInvalidAudienceException => "token audience is not accepted",
        SecurityTokenInvalidAlgorithmException => "token algorithm is not accepted",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "token signature is invalid",
        SecurityTokenMalformedException or ArgumentException or JsonException => "token is malformed",
        _ => "token is invalid",
    };

    public void Dispose() => _rsa?.Dispose();
}
