// The JSON body of every error response lives in protocol (the SDK reads it too).
export {
  type ErrorBody,
  ErrorBodySchema,
  type ErrorDetail,
  ErrorDetailSchema,
} from "@sandcaster/protocol";
