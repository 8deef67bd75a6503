import { z } from 'zod';
import { NO_FIELDS, type RequestSchemas } from '../http/validate';

/** "Forgot password": the address only. Whether it has an account is never said (see auth/password-reset.ts). */
export const forgotPasswordForm = z.object({
  email: z.string().trim().min(1, 'Enter your email address.').max(254, 'That email address is too long.')
    .pipe(z.email('Enter a valid email address, such as name@hospital.org.')),
});

export const FORGOT_PASSWORD_REQUESTS = {
  'GET /password/forgot': NO_FIELDS,
  'POST /password/forgot': forgotPasswordForm,
} satisfies RequestSchemas;
