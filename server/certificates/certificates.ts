import type { Kysely } from 'kysely';
import type { Certificate, DB, User } from '../db/schema';
import type { Training } from '../training/service';
import type { CertificateData } from './render';
import { certificateById, certificateData, type CertificateSite, loadCertificate, mayDownload, verifyCode, type Verification } from './service';

/** The certificate reads the download, verify, admin and report routes need, built once by compose() so no route sees the database. */
export class Certificates {
  constructor(
    private readonly db: Kysely<DB>, private readonly training: Training, private readonly site: () => Promise<CertificateSite>,
  ) {}

  /** A certificate with its completion and owner, or undefined. */
  load(id: number | undefined) {
    return loadCertificate(this.db, id);
  }

  byId(id: number): Promise<Certificate | undefined> {
    return certificateById(this.db, id);
  }

  /** Owner, the owner's managers, admins and auditors; anyone else is told it does not exist. */
  mayDownload(viewer: User, owner: User): Promise<boolean> {
    return mayDownload(this.db, viewer, owner);
  }

  /** What the PDF shows. */
  async data(cert: Certificate): Promise<CertificateData> {
    return certificateData(this.db, this.training, await this.site(), cert);
  }

  /** The public check of a typed code. */
  verify(code: string): Promise<Verification> {
    return verifyCode(this.db, this.training, code);
  }
}
