/** What every tab of the application page gets: `application.one`'s answer, and a way to load it again after a change. */
export interface AppProps {
  app: any;
  reload(): void;
}
