import Type from 'typebox';
import { operatorOf } from '../api-operator.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { problemResponses } from '../api-schemas.js';

const SessionSchema = Type.Object({
  tokenName: Type.String({ description: 'The name the token was created with: the actor of its changes' }),
  scope: Type.Union([Type.Literal('read'), Type.Literal('admin')], {
    description: '`read` may GET everything; `admin` may also change things',
  }),
});

/**
 * Who the bearer token is: the dashboard's sign-in checks a token with it and shows or hides the actions by
 * the scope. The authentication hook has already refused a bad token (401) by the time the handler runs.
 */
export const sessionRoutes: ApiRoutes = (app) => {
  app.get(
    '/session',
    {
      schema: {
        tags: ['Session'],
        summary: "The API token's name and scope (a 401 problem for a bad token)",
        response: { 200: SessionSchema, ...problemResponses() },
      },
    },
    (request) => {
      const operator = operatorOf(request);
      return Promise.resolve({ tokenName: operator.name, scope: operator.scope });
    },
  );
};
