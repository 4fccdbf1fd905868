import { provideZonelessChangeDetection } from '@angular/core';
import type { ApplicationConfig } from '@angular/core';
import { provideCvat } from 'cvat-rx/angular';

/** `bootstrapApplication(UploadComponent, appConfig)` in the app's main.ts (@angular/platform-browser). */
export const appConfig: ApplicationConfig = {
  providers: [provideZonelessChangeDetection(), provideCvat({ host: 'http://localhost:8080' })],
};
