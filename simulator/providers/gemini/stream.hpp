#pragma once
// Gemini's streamGenerateContent (research/providers.md §3): the generateContent answer served as Google streams
// it. Google's own API (../gemini.cpp) and the gateways' Gemini-native entries (../crazyrouter.cpp,
// ../nanoseries/gemini.cpp) build the synchronous answer as usual and hand it here.

#include "../../core/provider.hpp"

namespace nanosim::providers::gemini {

/// Whether the stream had opened when the call ended: a job was created for it and had started running. An error
/// after that is an event inside a 200 stream (Google's `data: {"error": …}`); before it, the HTTP error itself.
bool stream_opened(const core::ProviderContext& context, const core::ProviderCall& call);

/// The answer as Google streams it. With `?alt=sse`: `text/event-stream`, one `data: <GenerateContentResponse>`
/// event per text part, then one with the image parts, the finishReason and the full usageMetadata (every chunk
/// carries modelVersion, responseId and the usage so far); events end with CRLF CRLF. Without `alt=sse`: the same
/// chunks as one JSON array. An error answer stays as it is unless `opened`: then the stream carries the chunks
/// before the failure (none for an image) and ends with the error body as its last event.
HttpResponse stream_answer(const core::ProviderCall& call, HttpResponse answer, bool opened);

}  // namespace nanosim::providers::gemini
